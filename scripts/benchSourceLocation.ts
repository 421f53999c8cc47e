// Rough cost of the source-location processor per started span on this machine:
//   node_modules/.bin/node --import tsx scripts/benchSourceLocation.ts
import { TracerProvider, NoopSpanProcessor } from '@opentelemetry/sdk-trace';
import { sourceLocationProcessor } from '../src/sdk/sourceLocationProcessor';

function perSpanNs(withProcessor: boolean, n: number): number {
  const provider = new TracerProvider({ spanProcessors: withProcessor ? [sourceLocationProcessor()] : [new NoopSpanProcessor()] });
  const tracer = provider.getTracer('bench');
  for (let i = 0; i < 2000; i++) tracer.startSpan('warm').end();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) tracer.startSpan('s').end();
  return Number(process.hrtime.bigint() - t0) / n;
}

const n = 50_000;
const base = perSpanNs(false, n);
const withLoc = perSpanNs(true, n);
console.log(`spans: ${n}; SDK alone ${base.toFixed(0)} ns/span; with sourceLocationProcessor ${withLoc.toFixed(0)} ns/span; added ${(withLoc - base).toFixed(0)} ns/span`);
