// Everything that leaves through MCP or the language-model tools passes here: the workspace
// redaction policy applied with the same function the redacted export uses (redactAttributes),
// counting how many values were masked so each response can say so.
import { canonicalize } from '../../core/canonicalize';
import type { Attributes, CanonicalSpan } from '../../core/model';
import { compilePolicy, redactAttributes, type CompiledPolicy, type RedactionPolicy } from '../../core/redaction';

export interface RedactionNote {
  redacted: boolean;
  /** Values masked, hashed or dropped in this response. */
  maskedValues: number;
  policy: string;
}

export class Redactor {
  private readonly compiled: CompiledPolicy | null;
  /** The policy's content ('off' without one): results computed under an equal key may be reused. */
  readonly policyKey: string;
  maskedValues = 0;

  /** policy null: redaction is off (the user turned it off). */
  constructor(
    policy: RedactionPolicy | null,
    private readonly policySource: string,
  ) {
    this.compiled = policy ? compilePolicy(policy) : null;
    this.policyKey = policy ? JSON.stringify(policy) : 'off';
  }

  get enabled(): boolean {
    return this.compiled !== null;
  }

  note(): RedactionNote {
    return this.compiled
      ? { redacted: true, maskedValues: this.maskedValues, policy: this.policySource }
      : { redacted: false, maskedValues: 0, policy: 'off (redaction turned off by the user)' };
  }

  private attributes(attrs: Attributes): Attributes {
    if (!this.compiled) return attrs;
    const r = redactAttributes(attrs, this.compiled);
    this.maskedValues += r.ships.masked + r.ships.dropped;
    return r.attributes;
  }

  /** One text value under a descriptive key (key rules of the policy apply to it too). */
  text(key: string, value: string): string;
  text(key: string, value: string | null): string | null;
  text(key: string, value: string | null): string | null {
    if (value === null || value === '' || !this.compiled) return value;
    const out = this.attributes({ [key]: value })[key];
    return out === undefined ? '[REDACTED:dropped]' : String(out);
  }

  /**
   * The span as a redacted export carries it, normalized again so messages, tool arguments
   * and errors are read from the redacted attributes. The name and status message are text
   * too and go through the same policy.
   */
  span(span: CanonicalSpan): CanonicalSpan {
    if (!this.compiled) return span;
    const redacted = canonicalize({
      ...span,
      name: this.text('span.name', span.name),
      status: { ...span.status, message: this.text('status.message', span.status.message) },
      attributes: this.attributes(span.attributes),
      resource: this.attributes(span.resource),
      events: span.events.map((e) => ({
        ...e,
        attributes: this.attributes(e.attributes),
        fromLog: e.fromLog ? { ...e.fromLog, body: this.attributes({ 'log.body': e.fromLog.body })['log.body'] ?? '[REDACTED:dropped]' } : e.fromLog,
      })),
    });
    return { ...redacted, costUsd: span.costUsd, costSource: span.costSource };
  }
}
