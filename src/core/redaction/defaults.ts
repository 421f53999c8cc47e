// The default redaction policy and the text of a new policy file. Kept apart from the parser and
// the detectors (policy.ts) so the extension host can write a policy file without bundling them.

import type { RedactionAction } from './types';

export const POLICY_FILE = '.agent-trace/redaction.json';

export interface RedactionPolicy {
  version: 1;
  /** Detector ids, rule ids, types or categories that are switched off. */
  disable: string[];
  /** Action per category, type, detector id or rule id (most specific wins: detector > rule > type > category). */
  actions: Record<string, RedactionAction>;
  /** Attribute keys (globs, `*` any run of characters, `?` one) removed from every export. */
  dropKeys: string[];
  /** Attribute keys exported unchanged and not scanned. */
  keepKeys: string[];
  /** Values never reported: exact strings, or /regex/flags. */
  allow: string[];
  /** Minimum confidence (0..1) per category, type, detector id or rule id (most specific wins); findings below it are not reported. */
  minConfidence?: Record<string, number>;
}

export const DEFAULT_POLICY: RedactionPolicy = Object.freeze({
  version: 1,
  disable: [],
  actions: { secret: 'mask', pii: 'mask', health: 'mask', person: 'mask' },
  dropKeys: [],
  // Identifiers that correlate telemetry; never personal data by themselves.
  keepKeys: [
    'gen_ai.response.id', 'gen_ai.conversation.id', 'gen_ai.tool.call.id', 'session.id', 'service.*', 'telemetry.*',
    'otel.*', '*.trace_id', '*.span_id', 'process.pid', 'host.id', 'ai.response.id', 'llm.response.id',
  ],
  allow: [],
  // Health terms with no clinical words nearby score 0.5: not reported unless the user lowers this.
  minConfidence: { health: 0.6 },
}) as RedactionPolicy;

/**
 * The text of a new policy file: the default policy written out in full, so the file behaves
 * exactly as having no file did, with "$comment" lines explaining each field (JSON has no
 * comments; the parser accepts and ignores "$comment", as JSON Schema does).
 */
export function policyFileTemplate(): string {
  const d = DEFAULT_POLICY;
  const doc = {
    $comment: [
      'Agent Trace redaction policy: what a redacted export, the MCP tools and the redaction preview remove.',
      'The values below are the built-in defaults; edit and save, the open preview follows.',
      'actions: per category (secret, pii, person, health), type (email, api-key, ...) or rule id: mask, hash, drop or keep.',
      'disable: detectors, rule ids, types or categories to switch off.',
      'dropKeys: attribute keys (globs: * any run, ? one character) removed from every export.',
      'keepKeys: attribute keys exported unchanged and not scanned.',
      'allow: values never reported: exact strings or /regex/flags.',
      'minConfidence: 0..1 per category, type or rule; findings below it are not reported.',
    ],
    version: d.version,
    actions: d.actions,
    disable: d.disable,
    dropKeys: d.dropKeys,
    keepKeys: d.keepKeys,
    allow: d.allow,
    minConfidence: d.minConfidence,
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

