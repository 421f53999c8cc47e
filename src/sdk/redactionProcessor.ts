// A standalone OpenTelemetry JS SpanProcessor that redacts span, event and resource attributes
// per an Agent Trace redaction policy before the wrapped processor (and its exporter) sees them.
// Bundled by esbuild into one file users copy into their project; it depends only on
// @opentelemetry/sdk-trace types and Agent Trace's pure redaction code.

import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { Attributes as OtelAttributes } from '@opentelemetry/api';
import type { Attributes } from '../core/model';
import { redactAttributes } from '../core/redaction/apply';
import { compilePolicy, parsePolicy, type CompiledPolicy, type RedactionPolicy } from '../core/redaction/policy';

export { parsePolicy, DEFAULT_POLICY } from '../core/redaction/policy';
export type { RedactionPolicy } from '../core/redaction/policy';

export interface RedactingSpanProcessorOptions {
  /** The policy object, or the text of .agent-trace/redaction.json. */
  policy?: RedactionPolicy | string;
}

const redact = (attrs: OtelAttributes | undefined, cp: CompiledPolicy): OtelAttributes =>
  redactAttributes((attrs ?? {}) as Attributes, cp).attributes as OtelAttributes;

/** Wraps another processor (e.g. a BatchSpanProcessor around your exporter). */
export class RedactingSpanProcessor implements SpanProcessor {
  private readonly cp: CompiledPolicy;
  private readonly resourceCache = new WeakMap<object, unknown>();

  constructor(private readonly inner: SpanProcessor, options: RedactingSpanProcessorOptions = {}) {
    let policy: RedactionPolicy;
    if (typeof options.policy === 'string') {
      const parsed = parsePolicy(options.policy);
      // A broken policy must not silently export raw data: fail at startup.
      if (parsed.errors.length) throw new Error('redaction policy: ' + parsed.errors.join('; '));
      policy = parsed.policy;
    } else {
      policy = options.policy ?? parsePolicy(null).policy;
    }
    this.cp = compilePolicy(policy);
  }

  onStart(span: Span, parentContext: Context): void {
    this.inner.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    const attributes = redact(span.attributes, this.cp);
    const events = span.events.map((e) => ({ ...e, attributes: redact(e.attributes, this.cp) }));
    let resource = this.resourceCache.get(span.resource) as ReadableSpan['resource'] | undefined;
    if (!resource) {
      // Keep the Resource's methods (merge, getRawAttributes…) and override only its attributes.
      resource = Object.create(span.resource, { attributes: { value: redact(span.resource.attributes, this.cp), enumerable: true } }) as ReadableSpan['resource'];
      this.resourceCache.set(span.resource, resource);
    }
    // The original span stays untouched; the exporter gets a view with redacted values.
    const view = Object.create(span, {
      attributes: { value: attributes, enumerable: true },
      events: { value: events, enumerable: true },
      resource: { value: resource, enumerable: true },
    }) as ReadableSpan;
    this.inner.onEnd(view);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
