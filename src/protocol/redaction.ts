// Redaction preview contract (server ⇄ extension ⇄ redaction webview). Findings never carry
// the full secret: only a masked preview.

export type FindingCategory = 'secret' | 'pii' | 'person' | 'health';
/** How a finding was established: pattern with checksum, pattern with context words, pattern alone, or the language model. */
export type FindingBasis = 'checksum' | 'context' | 'pattern' | 'model';
export type RedactionAction = 'mask' | 'hash' | 'drop' | 'keep';

export interface RedactionScanParams {
  /** One trace, or every stored trace when null. */
  traceId: string | null;
  /** The policy file's text (YAML or JSON); null for the default policy. */
  policyText: string | null;
}

export interface FindingDto {
  ruleId: string;
  /** Human name of the rule, e.g. "OpenAI API key". */
  ruleName: string;
  category: FindingCategory;
  /** e.g. email, phone, credit-card, iban, ssn, ip, api-key, private-key, jwt, connection-string, generic-secret */
  type: string;
  traceId: string;
  spanId: string;
  spanName: string;
  service: string;
  /** Where the value sits: 'attributes', 'resource' or 'events[N].attributes'. */
  location: string;
  /** The attribute's own key, e.g. gen_ai.input.messages (the start of `path`; keys may contain dots). */
  attribute: string;
  /** Attribute key, followed by a JSON path inside JSON-encoded values: gen_ai.input.messages[0].content */
  path: string;
  /** Offsets in the string value at `path` (UTF-16 code units, end exclusive). */
  start: number;
  end: number;
  /** The value masked, never in full, e.g. "sk-p…9xQ2". */
  maskedPreview: string;
  /** ~40 characters either side, with the finding itself masked. */
  context: string;
  action: RedactionAction;
  /** What the exported value would carry instead (masked/hashed text), null when dropped. */
  replacement: string | null;
  /** 0..1: how sure the detector is (the policy's minConfidence filters on it). */
  confidence?: number;
  basis?: FindingBasis;
  /** Set when the value was found inside an encoding: the encodings peeled (outermost first) and the decoded value, masked. */
  decoded?: { encodings: string[]; maskedValue: string };
  /** Findings of the same value under the same rule share a number (per report, from 0), so the panel can group them without the value. */
  group: number;
}

export interface RedactionReportDto {
  policySource: string;
  policyErrors: string[];
  spansScanned: number;
  bytesScanned: number;
  findings: FindingDto[];
  countsByCategory: Record<string, number>;
  countsByType: Record<string, number>;
  countsByAttribute: Record<string, number>;
  countsByService: Record<string, number>;
  /** Attribute values kept unchanged / masked or hashed / dropped, over the scanned spans. */
  ships: { kept: number; masked: number; dropped: number };
}

export interface RedactionSpanPreviewParams {
  traceId: string;
  spanId: string;
  /** The policy text the panel scanned with; null for the default policy. */
  policyText: string | null;
}

/**
 * One span as stored (`before`) and as a redacted export carries it (`after`), both computed by
 * the server with the export's own code. Span attribute keys as they are; resource attributes
 * as "resource › key" and event attributes as "event N (name) › key". `after` is null when the
 * export would refuse (a policy with errors), with the reason in `refused`.
 */
export interface RedactionSpanPreviewDto {
  traceId: string;
  spanId: string;
  before: Record<string, unknown>;
  after: Record<string, unknown> | null;
  refused: string | null;
  /**
   * The keys of before/after that hold findings, with each finding bracketed by the marks:
   * open, the finding's ordinal within the span (the order of the report's findings for this
   * span), sep, the text, close. With the marks removed each value equals before/after.
   */
  highlights?: RedactionHighlightsDto;
}

export interface RedactionHighlightsDto {
  marks: { open: string; sep: string; close: string };
  before: Record<string, unknown>;
  after: Record<string, unknown>;
}
