// Fixture for sourceLocationProcessor.test.ts: spans started from known lines (found by the
// test through the `@line:` markers, so editing this file cannot silently break it).
import type { Tracer } from '@opentelemetry/api';

export function startPlain(tracer: Tracer): void {
  const span = tracer.startSpan('fixture.plain'); // @line:plain
  span.end();
}

export async function startAfterAwait(tracer: Tracer): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve)); // an async boundary, not a wait
  await tracer.startActiveSpan('fixture.async', async (span) => { // @line:async
    await Promise.resolve();
    span.end();
  });
}

/** Calls a "library" (a file under node_modules) that starts the span itself. */
export function startThroughLibrary(lib: { run(tracer: Tracer, name: string): void }, tracer: Tracer): void {
  lib.run(tracer, 'fixture.library'); // @line:library
}

export function startWithOwnLocation(tracer: Tracer): void {
  tracer.startSpan('fixture.own', { attributes: { 'code.file.path': '/recorded/by/sdk.py', 'code.line.number': 7 } }).end();
}
