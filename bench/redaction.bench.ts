// Redaction speed on one core: detector throughput over attribute text (MB/s), time to scan a
// 10,000-span trace, and secretlint's throughput on the same text for comparison.
// Run: npx tsx bench/redaction.bench.ts   (prints medians of several runs)

import { lintSource } from '@secretlint/core';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import { ALL_DETECTORS, detectInText } from '../src/core/redaction/detectors';
import { scanSpans, redactSpan } from '../src/core/redaction/apply';
import { loadCorpus } from '../test/fixtures/redaction/corpus';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function time(fn: () => void, runs = 7): number {
  fn(); // warm-up
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

async function main(): Promise<void> {
  const corpus = loadCorpus();
  // Attribute text as the walker sees it: decoded message contents and tool payloads, plus
  // ordinary prose that dominates real traces (mostly clean text).
  const prose = 'The assistant summarised the quarterly report, listed three follow-up tasks and asked the user to confirm the meeting time for Thursday at 10:30. ';
  const leaves: string[] = [];
  for (const c of corpus) {
    for (const v of Object.values(c.span.attributes)) if (typeof v === 'string') leaves.push(v);
    for (const e of c.span.events) for (const v of Object.values(e.attributes)) if (typeof v === 'string') leaves.push(v);
  }
  const texts: string[] = [];
  let bytes = 0;
  while (bytes < 8_000_000) {
    for (const l of leaves) {
      const t = prose.repeat(3) + l + ' ' + prose.repeat(2);
      texts.push(t);
      bytes += t.length;
    }
  }
  let findings = 0;
  const ms = time(() => {
    findings = 0;
    for (const t of texts) findings += detectInText(t, ALL_DETECTORS).length;
  });
  console.log(`detectors: ${ALL_DETECTORS.length}, text ${(bytes / 1e6).toFixed(1)} MB in ${texts.length} values, ${findings} findings`);
  console.log(`throughput (median of 7): ${(bytes / 1e6 / (ms / 1000)).toFixed(1)} MB/s (${ms.toFixed(0)} ms)`);

  // A 10,000-span trace built from the corpus spans (JSON-encoded messages, tool args, events).
  const spans = Array.from({ length: 10_000 }, (_, i) => {
    const c = corpus[i % corpus.length];
    return { ...c.span, spanId: i.toString(16).padStart(16, '0') };
  });
  let spanBytes = 0;
  const scanMs = time(() => {
    spanBytes = scanSpans(spans).bytesScanned;
  }, 5);
  console.log(`scanSpans 10,000 spans (${(spanBytes / 1e6).toFixed(1)} MB attribute text): median ${scanMs.toFixed(0)} ms (${(spanBytes / 1e6 / (scanMs / 1000)).toFixed(1)} MB/s incl. JSON parsing)`);
  const redactMs = time(() => {
    for (const s of spans) redactSpan(s);
  }, 5);
  console.log(`redactSpan 10,000 spans: median ${redactMs.toFixed(0)} ms`);

  // secretlint on a 1 MB slice (it is much slower; kept as rule source and test oracle).
  const slice = texts.slice(0, Math.ceil(texts.length / 8));
  const sliceBytes = slice.reduce((n, t) => n + t.length, 0);
  const config = { rules: [{ id: recommended.meta.id, rule: recommended }] };
  const t0 = performance.now();
  for (const t of slice) await lintSource({ source: { content: t, filePath: '/t.txt', contentType: 'text' }, options: { config, noPhysicFilePath: true } });
  const slMs = performance.now() - t0;
  console.log(`secretlint preset-recommend: ${(sliceBytes / 1e6 / (slMs / 1000)).toFixed(2)} MB/s on ${(sliceBytes / 1e6).toFixed(1)} MB (one run)`);
}

void main();
