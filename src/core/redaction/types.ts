// The redaction core's own types. The protocol (src/protocol/redaction.ts) keeps its DTOs with the
// same shapes; the server maps (today: passes through) so src/core never imports the protocol.

export type FindingCategory = 'secret' | 'pii' | 'person' | 'health';
export const FINDING_CATEGORIES: readonly FindingCategory[] = ['secret', 'pii', 'person', 'health'];
export type RedactionAction = 'mask' | 'hash' | 'drop' | 'keep';

/**
 * How a finding was established, from most to least certain:
 * checksum — pattern plus a structural check (Luhn, mod-97, decodes to user:password, numbering plan);
 * context  — pattern plus context words nearby ("DOB", "MRN", "patient", "NI number", a key name);
 * pattern  — pattern alone;
 * model    — the language model (compromise) tagged it.
 */
export type FindingBasis = 'checksum' | 'context' | 'pattern' | 'model';

/** A finding found inside an encoded value (Base64 credentials, JSON inside a JSON string). */
export interface DecodedFinding {
  /** The encodings peeled, outermost first, e.g. ["json", "json"] or ["base64 (Basic)"]. */
  encodings: string[];
  /** The decoded value, masked (never in full). */
  maskedValue: string;
}

export interface RedactionFinding {
  ruleId: string;
  ruleName: string;
  category: FindingCategory;
  type: string;
  traceId: string;
  spanId: string;
  spanName: string;
  service: string;
  location: string;
  /** The attribute's own key (the first part of `path`, which may itself contain dots). */
  attribute: string;
  path: string;
  start: number;
  end: number;
  maskedPreview: string;
  context: string;
  action: RedactionAction;
  replacement: string | null;
  /** 0..1: how sure the detector is. */
  confidence?: number;
  basis?: FindingBasis;
  decoded?: DecodedFinding;
  /** Findings of the same value under the same rule share a group number (per report, from 0); the value itself is never sent. */
  group: number;
}

export interface RedactionReport {
  policySource: string;
  policyErrors: string[];
  spansScanned: number;
  bytesScanned: number;
  findings: RedactionFinding[];
  countsByCategory: Record<string, number>;
  countsByType: Record<string, number>;
  countsByAttribute: Record<string, number>;
  countsByService: Record<string, number>;
  ships: { kept: number; masked: number; dropped: number };
}
