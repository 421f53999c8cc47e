// Renders the policy as an OpenTelemetry Collector config: a `transform` processor whose OTTL
// statements delete dropped keys and replace detected values, wired into a traces pipeline.
// Regexes are RE2 (the collector's engine): written once in detectors/, reused here.

import type { RedactionAction } from './types';
import type { Detector } from './detectors';
import { compilePolicy, DEFAULT_POLICY, globToRegexSource, type RedactionPolicy } from './policy';

export interface CollectorPattern {
  detectorIds: string[];
  type: string;
  action: Exclude<RedactionAction, 'keep'>;
  /** RE2 regex applied to every string attribute value. */
  regex: string;
  /** OTTL replacement (before collector `$` escaping). */
  replacement: string;
  /** Set for hash: the OTTL converter applied to the replacement. */
  hashFormat?: string;
  overMatches: boolean;
}

/** Order matters in a sequential pipeline: long, specific secrets before the PII inside them. */
const ORDER = ['private-key', 'database-connection-string', 'url-credentials', 'jwt'];

function rank(d: Detector): number {
  const i = ORDER.indexOf(d.id);
  if (i >= 0) return i;
  if (d.id.startsWith('generic-secret') || d.id === 'bearer-token') return 100;
  if (d.category === 'pii') return 200 + ['email', 'credit-card', 'iban', 'ssn', 'uk-ni', 'phone', 'ipv4', 'ipv6'].indexOf(d.id);
  if (d.category === 'health' || d.category === 'person') return 300;
  return 10;
}

/** The regex/replacement pairs a collector runs, in order. Used by the renderer and by tests. */
export function collectorPatterns(policy: RedactionPolicy = DEFAULT_POLICY): CollectorPattern[] {
  const cp = compilePolicy(policy);
  const out: CollectorPattern[] = [];
  const byRegex = new Map<string, CollectorPattern>();
  for (const d of [...cp.detectors].sort((a, b) => rank(a) - rank(b))) {
    if (!d.re2) continue; // see collectorGaps()
    const action = cp.actionFor(d);
    if (action === 'keep') continue;
    const key = d.re2 + '\u0000' + action;
    const seen = byRegex.get(key);
    if (seen) {
      seen.detectorIds.push(d.id);
      continue;
    }
    let p: CollectorPattern;
    if (action === 'drop') {
      // OTTL can't delete a key by its value; the whole value is replaced instead.
      p = { detectorIds: [d.id], type: d.type, action, regex: `(?s)^.*(?:${d.re2}).*$`, replacement: `[DROPPED:${d.type}]`, overMatches: !!d.re2OverMatches };
    } else if (d.re2Parts) {
      const [pre, val, post] = d.re2Parts;
      // A leading (?i) must stay in front of the whole regex (inside a group it would scope differently).
      const flag = pre.startsWith('(?i)') ? '(?i)' : '';
      const regex = `${flag}(${pre.slice(flag.length)})(${val})(${post})`;
      p = action === 'mask'
        ? { detectorIds: [d.id], type: d.type, action, regex, replacement: `\${1}[REDACTED:${d.type}]\${3}`, overMatches: !!d.re2OverMatches }
        : { detectorIds: [d.id], type: d.type, action, regex, replacement: '${2}', hashFormat: 'sha256:%s', overMatches: !!d.re2OverMatches };
    } else {
      p = action === 'mask'
        ? { detectorIds: [d.id], type: d.type, action, regex: d.re2, replacement: `[REDACTED:${d.type}]`, overMatches: !!d.re2OverMatches }
        : { detectorIds: [d.id], type: d.type, action, regex: `(${d.re2})`, replacement: '${1}', hashFormat: 'sha256:%s', overMatches: !!d.re2OverMatches };
    }
    byRegex.set(key, p);
    out.push(p);
  }
  return out;
}

/** Enabled detectors the collector cannot run (no RE2 form), with the reason: the export states them plainly. */
export function collectorGaps(policy: RedactionPolicy = DEFAULT_POLICY): Array<{ id: string; category: string; reason: string }> {
  return compilePolicy(policy).detectors
    .filter((d) => !d.re2 && compilePolicy(policy).actionFor(d) !== 'keep')
    .map((d) => ({ id: d.id, category: d.category, reason: d.notInRe2 ?? 'no RE2 form' }));
}

/** An OTTL string literal. */
const ottl = (s: string): string => '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
/** A YAML single-quoted scalar with collector `$` escaping (a literal `$` is written `$$`). */
const yaml = (s: string): string => "'" + s.replace(/\$/g, '$$$$').replace(/'/g, "''") + "'";

export function renderCollectorConfig(policy: RedactionPolicy = DEFAULT_POLICY, opts: { policySource?: string } = {}): string {
  const patterns = collectorPatterns(policy);
  const statements: string[] = [];
  if (policy.dropKeys.length) {
    const re = policy.dropKeys.map((g) => `(?:${globToRegexSource(g)})`).join('|');
    statements.push(`delete_matching_keys(attributes, ${ottl(re)})`);
  }
  for (const p of patterns) {
    const args = [`attributes`, `"value"`, ottl(p.regex), ottl(p.replacement)];
    if (p.hashFormat) args.push('SHA256', ottl(p.hashFormat));
    statements.push(`replace_all_patterns(${args.join(', ')})`);
  }
  const over = patterns.filter((p) => p.overMatches).flatMap((p) => p.detectorIds);
  const gaps = collectorGaps(policy);
  const gapCategories = [...new Set(gaps.map((g) => g.category))];
  const lines: string[] = [
    `# OpenTelemetry Collector redaction generated by Agent Trace from ${opts.policySource ?? '.agent-trace/redaction.json'}.`,
    '# Needs the contrib distribution (transform processor). Regexes are RE2.',
    '# Differences from the Agent Trace preview (see docs/redaction.md):',
    `#  - checks a regex can't express (checksums, placeholders, entropy) are skipped, so these may over-match: ${over.join(', ') || 'none'}`,
    '#  - "keepKeys" are not honoured here (OTTL replace_all_patterns has no key filter);',
    '#  - "drop" by value replaces the whole value with [DROPPED:type] instead of removing the key;',
    '#  - "hash" writes the full SHA-256 hex (the preview shows the first 12).',
    '#  - "minConfidence" is not honoured here: a regex has no confidence, every match is replaced.',
    ...(gaps.length
      ? [
        `#  - NOT CAUGHT HERE: these detectors cannot be expressed in RE2, so this collector will NOT redact them`
          + ` (${gapCategories.join(', ')} data stays in your traces; use the Node processor or the preview):`,
        ...gaps.map((g) => `#      ${g.id} (${g.category}): ${g.reason}`),
      ]
      : []),
    'receivers:',
    '  otlp:',
    '    protocols:',
    '      grpc:',
    '        endpoint: 127.0.0.1:4317',
    '      http:',
    '        endpoint: 127.0.0.1:4318',
    'processors:',
    '  transform/agent_trace_redaction:',
    '    error_mode: ignore',
    '    trace_statements:',
  ];
  for (const context of ['resource', 'span', 'spanevent']) {
    lines.push(`      - context: ${context}`, '        statements:');
    if (!statements.length) lines.push('          []');
    for (const s of statements) lines.push(`          - ${yaml(s)}`);
  }
  lines.push(
    '  batch: {}',
    'exporters:',
    '  otlphttp:',
    '    # Your tracing backend.',
    '    endpoint: https://otlp.backend.invalid:4318',
    'service:',
    '  pipelines:',
    '    traces:',
    '      receivers: [otlp]',
    '      processors: [transform/agent_trace_redaction, batch]',
    '      exporters: [otlphttp]',
    '',
  );
  return lines.join('\n');
}
