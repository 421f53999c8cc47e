// Redaction over stored traces, shared by the LSP server (preview panel) and the CLI (scan,
// export --redacted). The preview never changes what is stored.
import type { RawSpan } from '../core/model';
import { parsePolicy, redactSpan, renderCollectorConfig, renderNodeProcessor, scanSpans, type ScannableSpan } from '../core/redaction';
import type { RedactionReportDto, RedactionScanParams } from '../protocol/redaction';
import type { TraceStore } from '../store/traceStore';

/** Traces scanned by "all traces": the newest ones, so a preview stays interactive on a large store. */
const MAX_TRACES_PER_SCAN = 2_000;

export function spansForScan(store: TraceStore, traceId: string | null): ScannableSpan[] {
  if (traceId) return store.getTrace(traceId.toLowerCase())?.spans ?? [];
  return store
    .listTraces({ limit: MAX_TRACES_PER_SCAN })
    .flatMap((t) => store.getTrace(t.traceId)?.spans ?? []);
}

export function scanForRedaction(store: TraceStore, params: RedactionScanParams): RedactionReportDto {
  const { policy, errors } = parsePolicy(params.policyText);
  return scanSpans(spansForScan(store, params.traceId), policy, {
    policySource: params.policyText === null ? 'default' : 'workspace',
    policyErrors: errors,
  });
}

/** The spans as a redacted export would carry them. A policy with errors refuses rather than leaks. */
export function redactSpansForExport(spans: RawSpan[], policyText: string | null): RawSpan[] {
  const { policy, errors } = parsePolicy(policyText);
  if (errors.length) throw new Error(`The redaction policy has errors, nothing exported:\n  ${errors.join('\n  ')}`);
  return spans.map((s) => redactSpan(s, policy));
}

/** The policy as something to take along: a Collector config or a Node span processor snippet. */
export function renderPolicy(policyText: string | null, target: 'collector' | 'node'): { text: string; fileName: string } {
  const { policy, errors } = parsePolicy(policyText);
  if (errors.length) throw new Error(`Fix the redaction policy first:\n  ${errors.join('\n  ')}`);
  return target === 'collector'
    ? { text: renderCollectorConfig(policy), fileName: 'otel-collector-redaction.yaml' }
    : { text: renderNodeProcessor(policy), fileName: 'agent-trace-redaction.js' };
}
