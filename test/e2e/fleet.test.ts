// The fleet view in a real VS Code (code-server + Chromium) with the packaged extension: the
// sample agent runs twice tagged agent_trace.batch=before and twice tagged after (with another
// question), and one slow, token-hungry run of the same agent is exported with the official
// OpenTelemetry SDK and OTLP exporter (the sample agent answers the same way every time, so it
// cannot make an outlier by itself). "Agent Trace: Open Fleet View" opens on the newest batch;
// the time-range fallback counts all five runs with their histograms and lists the slow run as
// an outlier, whose click opens the trace panel on it. "Compare Batches…" compares before with
// after, and "Compare typical runs" opens the run compare on a pair of them.
import * as assert from 'node:assert/strict';
import { context, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { Frame, Locator } from 'playwright-core';
import { waitFor, type Editor } from './codeServer';
import { runSampleAgent } from './helpers';
import { showTracesOnceListening, tracesView, useSampleWorkspace } from './session';

const SAMPLE_RUNS = 4;
const batchEnv = (name: string) => ({ OTEL_RESOURCE_ATTRIBUTES: `agent_trace.batch=${name}` });
const SLOW_RUN = 'slow weather run';

/** One run of the weather assistant that took 40 s and six model calls of 4,000 tokens each. */
async function exportSlowRun(endpoint: string): Promise<string> {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'sample-agent' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }) })],
  });
  const tracer = provider.getTracer('fleet-e2e');
  const end = Date.now();
  const start = end - 40_000;
  const root = tracer.startSpan(SLOW_RUN, { startTime: start });
  const parent = trace.setSpan(context.active(), root);
  const agent = tracer.startSpan('invoke_agent weather-assistant', { startTime: start + 5, attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'weather-assistant' } }, parent);
  const inAgent = trace.setSpan(parent, agent);
  for (let i = 0; i < 6; i++) {
    const at = start + 10 + i * 6000;
    tracer
      .startSpan('chat gpt-4o-mini', { startTime: at, attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 4000, 'gen_ai.usage.output_tokens': 300 } }, inAgent)
      .end(at + 5000);
    tracer.startSpan('execute_tool get_weather', { startTime: at + 5000, attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'get_weather' } }, inAgent).end(at + 5900);
  }
  agent.end(end - 5);
  root.end(end);
  const traceId = root.spanContext().traceId;
  await provider.shutdown();
  return traceId;
}

describe('Fleet view in VS Code (code-server + Chromium)', function () {
  this.timeout(300_000);

  const sample = useSampleWorkspace('fleet');
  const editor = (): Editor => sample.editor;
  let fleet: Frame;
  let slowTraceId: string;

  const page = sample.page;
  const tracesPane = (): Locator => tracesView(editor());

  it('records two batches of sample agent runs and one slow run of the same agent', async () => {
    await showTracesOnceListening(editor());
    const endpoint = sample.endpoint;
    for (let i = 0; i < SAMPLE_RUNS; i++) {
      const after = i >= SAMPLE_RUNS / 2;
      const run = await runSampleAgent(sample.workspace, endpoint, batchEnv(after ? 'after' : 'before'), after ? 'Do I need a coat in Lyon today?' : undefined);
      assert.equal(run.code, 0, run.stderr);
    }
    slowTraceId = await exportSlowRun(endpoint);
    const rows = () => tracesPane().locator('.monaco-list-row');
    let listed = 0;
    await waitFor(async () => (listed = await rows().count()) === SAMPLE_RUNS + 1, 30_000, () => `the view lists ${listed} runs`);
    // The Traces view's title bar offers the fleet view.
    assert.equal(await tracesPane().locator('.pane-header .action-label[aria-label^="Open Fleet View"]').count(), 1, 'a title-bar entry for the fleet view');
  });

  it('"Open Fleet View" opens on the newest batch; the time range counts every run, with histograms', async () => {
    await editor().runCommand('Agent Trace: Open Fleet View');
    fleet = await editor().findFrame('agent-fleet-app .runs-count');
    const label = fleet.locator('.batch-label');
    const count = fleet.locator('.runs-count');
    let shown = '';
    await waitFor(async () => (shown = `${await label.innerText().catch(() => '')} ${await count.innerText().catch(() => '')}`) === 'agent_trace.batch = after 2 runs', 30_000, () => `shown: ${shown}`);
    await fleet.locator('select.key-mode').selectOption('time');
    await waitFor(async () => (shown = await count.innerText().catch(() => '')) === `${SAMPLE_RUNS + 1} runs`, 30_000, () => `runs shown: ${shown}`);
    await waitFor(async () => (await fleet.locator('fleet-histogram[data-markers]').count()) >= 5, 30_000, () => 'the histograms were not drawn');
    assert.match(await fleet.locator('fleet-histogram.hist-durationMs .stats').innerText(), /^p50 .* · 5 runs$/);
    assert.match(await fleet.locator('fleet-histogram.hist-llmCalls .stats').innerText(), /p99 6\b/, 'the slow run made six model calls');
    await fleet.locator('.tab-agent').click();
    await waitFor(async () => (await fleet.locator('.group-rows .group-row').count()) >= 1, 15_000, () => 'no agent group');
    await editor().screenshot('fleet-view.png');
  });

  it('follows an outlier to its trace', async () => {
    const outlier = fleet.locator(`.outlier[data-trace="${slowTraceId}"]`).first();
    await outlier.waitFor({ timeout: 15_000 });
    assert.match(await outlier.locator('.reason').innerText(), /\S/, 'the outlier says why it is listed');
    await outlier.click();
    const panel = await editor().findFrame('agent-trace-app .trace-header');
    await waitFor(async () => (await panel.locator('.trace-header').innerText().catch(() => '')).includes(SLOW_RUN), 30_000, () => 'the trace panel did not open on the slow run');
    await page().locator('.tabs-container .tab.active', { hasText: SLOW_RUN }).waitFor({ timeout: 15_000 });
  });

  it('"Compare Batches…" compares before with after, and "Compare typical runs" opens the run compare', async () => {
    await editor().runCommand('Agent Trace: Compare Batches…');
    await editor().quickPickRow('agent_trace.batch = before').click();
    await editor().quickPickRow('agent_trace.batch = after').click();
    fleet = await editor().findFrame('agent-fleet-app .batch-compare');
    const sides = fleet.locator('.compare-sides');
    let text = '';
    await waitFor(async () => /agent_trace\.batch = before \(2 runs\) → agent_trace\.batch = after \(2 runs\)/.test((text = await sides.innerText().catch(() => ''))), 30_000, () => `compare: ${text}`);
    const typical = fleet.locator('.finding button.compare-runs').first();
    await typical.waitFor({ timeout: 15_000 });
    await typical.click();
    const compare = await editor().findFrame('agent-compare-app .compare-app .summary');
    await waitFor(async () => /diverges at step/.test(await compare.locator('.summary').innerText().catch(() => '')), 30_000, () => 'the run compare did not open on the typical pair');
    await editor().screenshot('fleet-batch-compare.png');
  });
});
