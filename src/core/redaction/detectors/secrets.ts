// Secret detectors. Rule ids follow @secretlint/secretlint-rule-preset-recommend where it has the
// rule (it is the maintained reference and our test oracle); the rest are agent-trace/<id>.
// Patterns are written once in RE2 syntax (see define.ts) so the collector config can reuse them.

import { define } from './define';
import { decodeBase64, entropy, isPlaceholder, jwtValid } from './checks';
import type { Detector } from './types';

const SL = '@secretlint/secretlint-rule-';
const AT = 'agent-trace/';

const notPlaceholder = (v: string): boolean => !isPlaceholder(v);
const randomish = (min: number) => (v: string): boolean => !isPlaceholder(v) && entropy(v) >= min;

/** Key names whose values are secrets ("password", "api_key", "client_secret", "auth_token", …). */
export const SECRET_KEY_SRC =
  '(?:password|passwd|pwd|passphrase|secret[_-]?key|signing[_-]?key|encryption[_-]?key|master[_-]?key|secret|api[_-]?key|apikey|access[_-]?key|auth[_-]?token|access[_-]?token|refresh[_-]?token|session[_-]?token|private[_-]?key|credentials?|token)';
export const SECRET_KEY = new RegExp('^[A-Za-z0-9_.-]*' + SECRET_KEY_SRC + '$', 'i');
const PASSWORDISH = /pass|pwd/i;
const WEAK_PASSWORDS = /^(?:pass(?:word)?|secret|pwd|user(?:name)?|root|admin|null|none|undefined|true|false|string|required|optional|hidden|masked|empty|test)$/i;
/** The most common passwords (top of every breach list): tutorial values, not somebody's secret. */
const COMMON_PASSWORDS = /^(?:pass(?:word|w0rd)|secret|admin|letmein|qwerty|welcome|changeme|iloveyou|abc)[0-9!]{0,4}$/i;

/** Generic secret check for a value found under a secret-like key. */
export function genericSecretValue(value: string, key: string): boolean {
  if (value.length < 6 || value.length > 200 || /\s/.test(value)) return false;
  if (isPlaceholder(value) || WEAK_PASSWORDS.test(value) || COMMON_PASSWORDS.test(value)) return false;
  if (/^\d+$/.test(value) || /^(?:https?:)?\/\//.test(value)) return false;
  if (PASSWORDISH.test(key)) return entropy(value) >= 2.3;
  // Tokens and keys: long and random-looking, with a digit or symbol mixed in.
  return value.length >= 16 && entropy(value) >= 3.3 && /[0-9_+/=-]/.test(value) && /[A-Za-z]/.test(value);
}

function keyBefore(text: string, index: number): string {
  const m = /([A-Za-z0-9_.-]+)\\{0,7}["']?\s*[:=]\s*\\{0,7}["']?$/.exec(text.slice(Math.max(0, index - 80), index));
  return m ? m[1] : '';
}

const URL_PASSWORD_PLACEHOLDER = /^(?:pass(?:word)?|secret|pwd|p|x+|\*+|user|changeme)$/i;
const urlCredentials = (v: string): boolean => {
  const m = /:\/\/[^:/@\s]*:([^@\s]*)@/.exec(v);
  return !!m && !!m[1] && !URL_PASSWORD_PLACEHOLDER.test(m[1]) && !isPlaceholder(m[1]);
};

/** `Authorization: Basic …`: the Base64 must decode to printable `user:password` with a real password. */
function basicCredentials(b64: string): { user: string; password: string } | null {
  if (b64.length < 8 || b64.length > 400) return null;
  const text = decodeBase64(b64);
  if (text === null || !/^[\x20-\x7e\u00a0-\uffff]+$/.test(text)) return null;
  const colon = text.indexOf(':');
  if (colon < 1 || colon === text.length - 1) return null;
  const password = text.slice(colon + 1);
  if (isPlaceholder(password) || WEAK_PASSWORDS.test(password)) return null;
  return { user: text.slice(0, colon), password };
}

const maskPassword = (c: { user: string; password: string }): string => `${c.user}:${'*'.repeat(Math.max(4, Math.min(8, c.password.length)))}`;

/** `--password 'x'`, `--password=x`: the value must not be a shell variable or a placeholder. */
const cliPassword = (v: string): boolean => !/^[$%<{]/.test(v) && !isPlaceholder(v) && !WEAK_PASSWORDS.test(v) && v.length >= 4;

export const SECRET_DETECTORS: Detector[] = [
  define({ id: 'aws-access-key-id', ruleId: SL + 'aws', name: 'AWS access key id', category: 'secret', type: 'cloud-key',
    src: '\\b(?:A3T[A-Z0-9]|AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}\\b', validate: notPlaceholder, re2OverMatches: true }),
  define({ id: 'aws-secret-access-key', ruleId: SL + 'aws', name: 'AWS secret access key', category: 'secret', type: 'cloud-key',
    parts: ['aws_?secret_?access_?key\\\\?["\']?\\s*[:=]\\s*\\\\?["\']?', '[A-Za-z0-9/+=]{40}', ''], flags: 'i', validate: notPlaceholder, re2OverMatches: true }),
  define({ id: 'gcp-service-account-key-id', ruleId: SL + 'gcp', name: 'GCP service account key id', category: 'secret', type: 'cloud-key',
    parts: ['"private_key_id"\\s*:\\s*"', '[0-9a-f]{40}', '"'] }),
  define({ id: 'google-api-key', ruleId: AT + 'google-api-key', name: 'Google API key', category: 'secret', type: 'api-key',
    src: '\\bAIza[0-9A-Za-z_-]{35}', validate: notPlaceholder, re2OverMatches: true }),
  define({ id: 'azure-storage-key', ruleId: AT + 'azure-storage-key', name: 'Azure storage account key', category: 'secret', type: 'cloud-key',
    parts: ['AccountKey=', '[A-Za-z0-9+/]{86}==', ''] }),
  define({ id: 'azure-sas-signature', ruleId: AT + 'azure-sas-signature', name: 'Azure SAS signature', category: 'secret', type: 'cloud-key',
    parts: ['[?&]sig=', '[A-Za-z0-9%+/]{40,120}(?:%3D|=)*', ''] }),
  define({ id: 'azure-openai-key', ruleId: AT + 'azure-openai-key', name: 'Azure OpenAI key', category: 'secret', type: 'api-key',
    parts: ['azure[A-Za-z_.-]{0,30}key\\\\?["\']?\\s*[:=]\\s*\\\\?["\']?', '[0-9a-f]{32}', '\\b'], flags: 'i' }),
  define({ id: 'openai-api-key', ruleId: SL + 'openai', name: 'OpenAI API key', category: 'secret', type: 'api-key',
    src: '\\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,250}|\\bsk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}\\b', validate: randomish(3.5), re2OverMatches: true }),
  define({ id: 'anthropic-api-key', ruleId: SL + 'anthropic', name: 'Anthropic API key', category: 'secret', type: 'api-key',
    src: '\\bsk-ant-(?:api|admin|oat|sid)[0-9]{2}-[A-Za-z0-9_-]{32,200}', validate: randomish(3.5), re2OverMatches: true }),
  define({ id: 'openrouter-api-key', ruleId: AT + 'openrouter-api-key', name: 'OpenRouter API key', category: 'secret', type: 'api-key',
    src: '\\bsk-or-v1-[0-9a-f]{64}\\b' }),
  define({ id: 'sk-api-key', ruleId: AT + 'sk-api-key', name: 'LLM provider API key (sk-…)', category: 'secret', type: 'api-key',
    src: '\\bsk-[A-Za-z0-9]{32,64}\\b', validate: randomish(3), re2OverMatches: true }),
  define({ id: 'huggingface-token', ruleId: SL + 'huggingface', name: 'Hugging Face token', category: 'secret', type: 'api-key',
    src: '\\bhf_[A-Za-z0-9]{34,40}\\b', validate: randomish(3.5), re2OverMatches: true }),
  define({ id: 'groq-api-key', ruleId: SL + 'groq', name: 'Groq API key', category: 'secret', type: 'api-key',
    src: '\\bgsk_[A-Za-z0-9]{52}\\b', validate: notPlaceholder, re2OverMatches: true }),
  define({ id: 'xai-api-key', ruleId: AT + 'xai-api-key', name: 'xAI API key', category: 'secret', type: 'api-key',
    src: '\\bxai-[A-Za-z0-9]{70,90}\\b', validate: notPlaceholder, re2OverMatches: true }),
  define({ id: 'replicate-token', ruleId: AT + 'replicate-token', name: 'Replicate API token', category: 'secret', type: 'api-key',
    src: '\\br8_[A-Za-z0-9]{37}\\b', validate: notPlaceholder, re2OverMatches: true }),
  define({ id: 'perplexity-api-key', ruleId: AT + 'perplexity-api-key', name: 'Perplexity API key', category: 'secret', type: 'api-key',
    src: '\\bpplx-[A-Za-z0-9]{48}\\b', validate: notPlaceholder, re2OverMatches: true }),
  define({ id: 'langsmith-api-key', ruleId: AT + 'langsmith-api-key', name: 'LangSmith API key', category: 'secret', type: 'api-key',
    src: '\\blsv2_(?:pt|sk)_[0-9a-f]{32}_[0-9a-f]{10}\\b' }),
  define({ id: 'cohere-api-key', ruleId: AT + 'cohere-api-key', name: 'Cohere API key', category: 'secret', type: 'api-key',
    parts: ['co(?:here)?_?api_?key\\\\?["\']?\\s*[:=]\\s*\\\\?["\']?', '[A-Za-z0-9]{40}', '\\b'], flags: 'i', validate: randomish(3.5), re2OverMatches: true }),
  define({ id: 'github-token', ruleId: SL + 'github', name: 'GitHub token', category: 'secret', type: 'api-key',
    src: '\\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\\b|\\bgithub_pat_[A-Za-z0-9_]{82}\\b', validate: randomish(3.5), re2OverMatches: true }),
  define({ id: 'gitlab-token', ruleId: SL + 'gitlab', name: 'GitLab token', category: 'secret', type: 'api-key',
    src: '\\bglpat-[A-Za-z0-9_-]{20,}', validate: randomish(3.2), re2OverMatches: true }),
  define({ id: 'slack-token', ruleId: SL + 'slack', name: 'Slack token', category: 'secret', type: 'api-key',
    src: '\\bx(?:ox[abeoprs]|app)-[0-9]{0,20}-?[A-Za-z0-9-]{10,250}', validate: notPlaceholder, re2OverMatches: true }),
  define({ id: 'slack-webhook', ruleId: SL + 'slack', name: 'Slack incoming webhook', category: 'secret', type: 'webhook',
    src: 'https://hooks\\.slack\\.com/(?:services|workflows)/T[A-Za-z0-9]+/[AB][A-Za-z0-9]+/[A-Za-z0-9]+', validate: notPlaceholder, re2OverMatches: true }),
  define({ id: 'discord-webhook', ruleId: AT + 'discord-webhook', name: 'Discord webhook', category: 'secret', type: 'webhook',
    src: 'https://(?:ptb\\.|canary\\.)?discord(?:app)?\\.com/api/webhooks/[0-9]{5,30}/[A-Za-z0-9_-]{30,100}' }),
  define({ id: 'discord-bot-token', ruleId: AT + 'discord-bot-token', name: 'Discord bot token', category: 'secret', type: 'api-key',
    src: '\\b[MNO][A-Za-z0-9_-]{23,27}\\.[A-Za-z0-9_-]{6}\\.[A-Za-z0-9_-]{27,40}\\b', validate: randomish(4), re2OverMatches: true }),
  define({ id: 'stripe-key', ruleId: SL + 'stripe', name: 'Stripe API key', category: 'secret', type: 'api-key',
    src: '\\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{24,99}\\b|\\bwhsec_[A-Za-z0-9]{32,}\\b', validate: notPlaceholder, re2OverMatches: true }),
  define({ id: 'npm-token', ruleId: SL + 'npm', name: 'npm access token', category: 'secret', type: 'api-key',
    src: '\\bnpm_[A-Za-z0-9]{36}\\b', validate: notPlaceholder, re2OverMatches: true }),
  define({ id: 'sendgrid-api-key', ruleId: SL + 'sendgrid', name: 'SendGrid API key', category: 'secret', type: 'api-key',
    src: '\\bSG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}\\b' }),
  define({ id: 'jwt', ruleId: AT + 'jwt', name: 'JSON Web Token', category: 'secret', type: 'jwt',
    src: '\\beyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}', validate: (v) => jwtValid(v), re2OverMatches: true,
    jsLookbehind: '(?<![A-Za-z0-9_-])',
    basis: 'checksum', confidence: 0.98 }),
  define({ id: 'private-key', ruleId: SL + 'privatekey', name: 'PEM private key', category: 'secret', type: 'private-key',
    // Also the truncated form (no END line), which span attribute limits often produce.
    // The body admits '-' only before a letter or digit (Proc-Type, DEK-Info: AES-128-CBC), so it stops at the next "-----":
    // a lazy [..-]*? ran to the end of the text from every BEGIN (quadratic, found by the recheck audit).
    src: '-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:(?:[A-Za-z0-9+/=\\s\\\\:,]|-[A-Za-z0-9])*-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\\s\\\\]{40,})' }),
  define({ id: 'database-connection-string', ruleId: SL + 'database-connection-string', name: 'Database connection string with password',
    category: 'secret', type: 'connection-string',
    src: '\\b(?:postgres(?:ql)?|mysqlx?|mariadb|mongodb(?:\\+srv)?|rediss?|amqps?|mssql|sqlserver|jdbc:[a-z]+)://[^\\s:/@"\'<>]{1,100}:[^\\s@/"\'<>]{1,200}@[A-Za-z0-9._-]+(?::[0-9]+)?(?:/[^\\s"\'<>?]*)?',
    flags: 'i', validate: urlCredentials, re2OverMatches: true }),
  define({ id: 'url-credentials', ruleId: SL + 'basicauth', name: 'URL with password', category: 'secret', type: 'connection-string',
    src: '\\b(?:https?|ftps?|sftp|ssh|smtps?|ldaps?)://[^\\s:/@"\'<>]{1,100}:[^\\s@/"\'<>]{1,200}@[A-Za-z0-9._-]+(?::[0-9]+)?(?:/[^\\s"\'<>?]*)?',
    flags: 'i', validate: urlCredentials, re2OverMatches: true }),
  define({ id: 'basic-auth', ruleId: AT + 'basic-auth', name: 'HTTP Basic credentials (Authorization: Basic …)', category: 'secret',
    type: 'basic-auth', parts: ['\\bbasic\\s+', '[A-Za-z0-9+/]{8,400}={0,2}', '(?:[^A-Za-z0-9+/=]|$)'], flags: 'i',
    validate: (v) => basicCredentials(v) !== null, re2OverMatches: true, basis: 'checksum', confidence: 0.98,
    decode: (v) => {
      const c = basicCredentials(v);
      return c ? { encodings: ['base64 (Basic)'], maskedValue: maskPassword(c) } : undefined;
    } }),
  define({ id: 'cli-password', ruleId: AT + 'generic-secret', name: 'Password on a command line (--password …)', category: 'secret',
    type: 'generic-secret', parts: ['(?:^|\\s)--?(?:password|passwd|pass|pwd)(?:=|\\s+)["\']?', '[^\\s"\']{4,200}', ''], flags: 'i',
    validate: cliPassword, re2OverMatches: true, basis: 'context' }),
  define({ id: 'bearer-token', ruleId: AT + 'bearer-token', name: 'Bearer token', category: 'secret', type: 'generic-secret',
    parts: ['\\bbearer\\s+', '[A-Za-z0-9._~+/-]{20,}=*', ''], flags: 'i', validate: randomish(3.3), re2OverMatches: true }),
  define({ id: 'generic-secret', ruleId: AT + 'generic-secret', name: 'Secret assignment (password=…, api_key: …)', category: 'secret',
    type: 'generic-secret',
    parts: [SECRET_KEY_SRC + '\\\\{0,7}["\']?\\s*[:=]\\s*\\\\{0,7}["\']?', '[^\\s"\',;&<>\\\\]{6,200}', ''], flags: 'i',
    validate: (v, text, index) => genericSecretValue(v, keyBefore(text, index)), re2OverMatches: true }),
  // Runs on whole JSON string values whose object key is secret-like ({"password": "…"}).
  define({ id: 'generic-secret-keyed', ruleId: AT + 'generic-secret', name: 'Secret value under a secret-like key', category: 'secret',
    type: 'generic-secret', keyed: true,
    parts: [SECRET_KEY_SRC + '\\\\{0,7}["\']?\\s*[:=]\\s*\\\\{0,7}["\']?', '[^\\s"\',;&<>\\\\]{6,200}', ''], flags: 'i',
    validate: (v, _text, _index, ctx) => genericSecretValue(v, ctx.key), re2OverMatches: true }),
];
