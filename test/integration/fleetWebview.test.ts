// The fleet view bundle in real Chromium, through the standalone harness (fake acquireVsCodeApi,
// the host's strict CSP), fed with aggregates of thousands of runs and groups: uPlot draws each
// histogram with its p50/p95/p99 markers in the theme's colours (read back from the canvas) and
// redraws on a theme change, the group table sorts by every column and stays virtualized, an
// outlier's click asks for its trace, findings list regressions first and "Compare typical runs"
// asks for the run compare, the picker asks for batches and compares, hostile strings stay text,
// and the empty, loading and error states say what is going on. Screenshots in test-results/.
import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import type { BatchCompareDto, BatchFindingDto, BatchSummaryDto, DistributionDto, FleetDto, FleetGroupDto, FleetMeasureDto, FleetOutlierDto } from '../../src/protocol/fleet';
import { HOSTILE_TEXT } from '../webview/fixtures';
import { hostPost, posted, screenshotPath, useWebviewBrowser } from '../support/webviewHarness';

const RUNS = 5000;
const START = Date.UTC(2026, 11, 1, 12, 0, 0);

/** Deterministic pseudo-random numbers (an LCG), so every run of the test sees the same batch. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Nearest-rank percentile of sorted values. */
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];

function distribution(measure: FleetMeasureDto, values: number[], missing = 0, binCount = 24): DistributionDto {
  const sorted = [...values].sort((a, b) => a - b);
  const min = sorted[0];
  const max = sorted[sorted.length - 1];
  const width = (max - min) / binCount || 1;
  const bins = Array.from({ length: binCount }, (_, i) => ({ lo: min + i * width, hi: min + (i + 1) * width, count: 0 }));
  for (const v of values) bins[Math.min(binCount - 1, Math.floor((v - min) / width))].count++;
  return {
    measure, count: values.length, missing, min, max,
    mean: values.reduce((a, b) => a + b, 0) / values.length,
    p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), bins,
  };
}

function fleetFixture(opts: { groups?: number; outliers?: number; hostile?: boolean } = {}): FleetDto {
  const rnd = random(42);
  // A long tail, as agent runs have: most runs quick, a few very slow.
  const latency = Array.from({ length: RUNS }, () => 400 + 2000 * -Math.log(1 - rnd() * 0.999));
  const tokens = latency.map((l) => Math.round(l * 1.5 + rnd() * 300));
  const cost = tokens.map((t) => t * 0.0000025);
  const llm = latency.map((l) => 1 + Math.floor(l / 1500));
  const tools = llm.map((n) => Math.max(0, n - 1 + Math.floor(rnd() * 2)));
  const errors = latency.map(() => (rnd() < 0.08 ? rnd() * 0.5 : 0));
  const pass = latency.map(() => (rnd() < 0.8 ? 1 : rnd() < 0.5 ? 0.5 : 0));
  const groupCount = opts.groups ?? 3000;
  const groups: FleetGroupDto[] = [];
  for (let i = 0; i < groupCount; i++) {
    const runs = 1 + ((i * 7919) % 97);
    const costUsd = i % 50 === 7 ? null : Math.round(runs * (0.001 + ((i * 31) % 113) / 10_000) * 1e6) / 1e6;
    groups.push({
      dimension: 'agent', key: 'gen_ai.agent.name', value: opts.hostile && i === 0 ? HOSTILE_TEXT : `agent-${String(i).padStart(4, '0')}`,
      runs, calls: runs, errorRate: ((i * 13) % 20) / 100, checkPassRate: i % 40 === 3 ? null : ((i * 17) % 101) / 100,
      costUsd, costPerRunUsd: costUsd === null ? null : costUsd / runs, totalTokens: runs * 1000, p50DurationMs: 900 + i, p95DurationMs: 3000 + ((i * 101) % 5000),
    });
  }
  for (const [i, name] of ['get_weather', 'search_docs', 'issue_refund'].entries()) {
    groups.push({ dimension: 'tool', key: 'gen_ai.tool.name', value: name, runs: 1000 - i * 100, calls: 2500 - i * 300, errorRate: 0.01 * i, checkPassRate: 0.9, costUsd: null, costPerRunUsd: null, totalTokens: 0, p50DurationMs: 40, p95DurationMs: 120 });
  }
  groups.push({ dimension: 'model', key: 'gen_ai.request.model', value: 'gpt-4o-mini', runs: RUNS, calls: RUNS, errorRate: 0.02, checkPassRate: 0.85, costUsd: 12.5, costPerRunUsd: 0.0025, totalTokens: 9_000_000, p50DurationMs: 1200, p95DurationMs: 6500 });
  for (const [i, feature] of ['refunds', 'orders', 'weather'].entries()) {
    groups.push({ dimension: 'attribute', key: 'feature', value: feature, runs: 1000 + i, calls: 1000 + i, errorRate: 0.05, checkPassRate: 0.9 - i / 10, costUsd: 800 / (i + 1), costPerRunUsd: 0.8 / (i + 1), totalTokens: 1, p50DurationMs: 1000, p95DurationMs: 2000 });
  }
  const outliers: FleetOutlierDto[] = Array.from({ length: opts.outliers ?? 1500 }, (_, i) => ({
    traceId: (i + 1).toString(16).padStart(32, '0'),
    title: opts.hostile && i === 0 ? HOSTILE_TEXT : `weather-assistant: question ${i}`,
    measure: i % 2 ? 'costUsd' : 'durationMs',
    value: 10_000 + i,
    reason: opts.hostile && i === 0 ? HOSTILE_TEXT : i % 2 ? `cost $0.41, ${(9.8 + i / 1000).toFixed(1)}× the batch median` : `latency ${10 + i / 100} s, above p99`,
  }));
  return {
    batch: { ref: { kind: 'attribute', key: 'agent_trace.batch', value: 'nightly-42' }, label: opts.hostile ? HOSTILE_TEXT : 'agent_trace.batch = nightly-42', runs: RUNS, firstStartMs: START, lastStartMs: START + 3_600_000 },
    distributions: [
      distribution('durationMs', latency), distribution('totalTokens', tokens), distribution('costUsd', cost, 12), distribution('llmCalls', llm, 0, 8),
      distribution('toolCalls', tools, 0, 8), distribution('errorRate', errors, 0, 10), distribution('checkPassRate', pass, 0, 10),
    ],
    groups,
    outliers,
    checks: [
      { name: 'refund policy cited', source: 'check', passed: 3000, failed: 2000, errors: 0 },
      { name: 'helpfulness', source: 'evaluation', passed: 4900, failed: 100, errors: 0 },
    ],
  };
}

const earlier: BatchSummaryDto = { ref: { kind: 'attribute', key: 'agent_trace.batch', value: 'nightly-41' }, label: 'agent_trace.batch = nightly-41', runs: 4800, firstStartMs: START - 86_400_000, lastStartMs: START - 82_800_000 };

function finding(i: number, over: Partial<BatchFindingDto>): BatchFindingDto {
  return {
    group: { dimension: 'attribute', key: 'route', value: `r${i}` }, measure: 'durationMs', before: { n: 50, value: 1000 }, after: { n: 50, value: 1010 }, delta: 10,
    test: 'mann-whitney-u', pValue: 0.5, interval: [-50, 70], regression: false, improvement: false, headline: `latency for route=r${i} unchanged`,
    typicalPair: { beforeTraceId: `${i}`.padStart(32, 'a'), afterTraceId: `${i}`.padStart(32, 'b') }, ...over,
  };
}

function compareFixture(): BatchCompareDto {
  const findings: BatchFindingDto[] = [];
  for (let i = 0; i < 2000; i++) findings.push(finding(i, {}));
  findings.splice(700, 0, finding(9001, { measure: 'costUsd', before: { n: 50, value: 0.002 }, after: { n: 50, value: 0.0015 }, delta: -0.0005, test: 'bootstrap-median', pValue: 0.004, interval: [-0.0007, -0.0003], improvement: true, headline: 'cost for route=orders $0.002 → $0.0015, p = 0.004' }));
  findings.splice(1500, 0, finding(9002, { group: { dimension: 'attribute', key: 'route', value: 'refunds' }, measure: 'check:refund policy cited', before: { n: 50, value: 0.98 }, after: { n: 50, value: 0.6 }, delta: -0.38, test: 'fisher-exact', pValue: 0.0000021, interval: [-0.52, -0.24], regression: true, headline: 'check refund policy cited 98% → 60% for route=refunds, p < 0.001' }));
  findings.splice(1800, 0, finding(9003, { group: { dimension: 'all', key: '', value: '' }, measure: 'errorRate', before: { n: 4800, value: 0.01 }, after: { n: 5000, value: 0.018 }, delta: 0.008, test: 'two-proportion-z', pValue: 0.0062, interval: [0.003, 0.013], regression: true, headline: 'error rate 1% → 1.8% for all runs, p = 0.0062' }));
  return { before: earlier, after: fleetFixture({ groups: 0, outliers: 0 }).batch, alpha: 0.01, findings };
}

describe('fleet view webview in Chromium', function () {
  this.timeout(120_000);
  const web = useWebviewBrowser();
  let page: Page;
  const open = (theme: 'dark' | 'light'): Promise<Page> => web.open('fleet', { theme, height: 900 });
  const showFleet = async (p: Page, fleet: FleetDto, groupAttribute: string | null = null) => {
    await hostPost(p, { type: 'fleet', selection: { batch: fleet.batch.ref, groupAttribute }, fleet });
    await p.locator('.batch-label').waitFor();
  };
  const firstGroupValues = (p: Page, n = 3) =>
    p.locator('.group-rows .group-row').evaluateAll((rows, count) => rows.slice(0, count).map((r) => r.getAttribute('data-value')), n);

  /** Pixels of one colour on a histogram's canvas: all of them, and those in the column at `x` (CSS px). */
  async function canvasColour(p: Page, measure: string, hex: string, x?: number): Promise<{ total: number; column: number }> {
    return p.locator(`fleet-histogram.hist-${measure} canvas`).evaluate(
      (canvas: HTMLCanvasElement, [colour, at]) => {
        const want = [1, 3, 5].map((i) => parseInt((colour as string).slice(i, i + 2), 16));
        const ctx = canvas.getContext('2d')!;
        const { data, width, height } = ctx.getImageData(0, 0, canvas.width, canvas.height);
        const ratio = canvas.width / canvas.getBoundingClientRect().width;
        const col = at === null ? -1 : Math.round((at as number) * ratio);
        let total = 0;
        let column = 0;
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) {
            const o = (y * width + x) * 4;
            if (Math.abs(data[o] - want[0]) < 8 && Math.abs(data[o + 1] - want[1]) < 8 && Math.abs(data[o + 2] - want[2]) < 8 && data[o + 3] > 200) {
              total++;
              if (Math.abs(x - col) <= 1) column++;
            }
          }
        }
        return { total, column };
      },
      [hex, x ?? null] as const,
    );
  }

  it('draws a histogram of each measure with p50/p95/p99 markers in the theme colours, and redraws on a theme change', async () => {
    page = await open('dark');
    const fleet = fleetFixture();
    await showFleet(page, fleet);
    await page.waitForFunction(() => document.querySelectorAll('fleet-histogram[data-markers]').length === 7);
    assert.equal(await page.locator('.runs-count').textContent(), '5,000 runs');
    const latency = fleet.distributions[0];
    const stats = await page.locator('fleet-histogram.hist-durationMs .stats').textContent();
    assert.match(stats ?? '', /^p50 \d[\d.]* s · p95 \d[\d.]* s · p99 \d[\d.]* s · 5,000 runs$/);
    assert.equal(await page.locator('fleet-histogram.hist-costUsd .stats').evaluate((e) => e.textContent?.endsWith('12 unknown')), true);
    const markers = JSON.parse((await page.locator('fleet-histogram.hist-durationMs').getAttribute('data-markers'))!) as { label: string; x: number }[];
    assert.deepEqual(markers.map((m) => m.label), ['p50', 'p95', 'p99']);
    assert.ok(markers[0].x < markers[1].x && markers[1].x < markers[2].x, `markers ordered by value: ${JSON.stringify(markers)}`);
    assert.ok(latency.p99! > latency.p95!);
    // The bars are drawn in --vscode-charts-blue, each marker line in its own colour at its place.
    assert.ok((await canvasColour(page, 'durationMs', '#3794ff')).total > 2000, 'bars in the chart colour');
    for (const [label, colour] of [['p50', '#cccccc'], ['p95', '#d18616'], ['p99', '#f14c4c']] as const) {
      const at = markers.find((m) => m.label === label)!.x;
      const { column } = await canvasColour(page, 'durationMs', colour, at);
      assert.ok(column >= 20, `${label} line drawn at x=${at} (${column} pixels)`);
    }
    // Hovering a bar says its range and count.
    const box = (await page.locator('fleet-histogram.hist-durationMs .u-over').boundingBox())!;
    await page.mouse.move(box.x + 8, box.y + box.height / 2);
    await page.waitForFunction(() => /runs?$/.test(document.querySelector('fleet-histogram.hist-durationMs .hover')?.textContent ?? ''));
    await page.screenshot({ path: screenshotPath('fleet-dark.png'), fullPage: false });
    // VS Code switches theme by rewriting the variables on <html>: the charts follow.
    await page.evaluate(`document.documentElement.style.setProperty('--vscode-charts-blue', '#00c853')`);
    const deadline = Date.now() + 10_000;
    let green = 0;
    while (Date.now() < deadline && green < 2000) green = (await canvasColour(page, 'durationMs', '#00c853')).total;
    assert.ok(green > 2000, 'bars redrawn in the new theme colour');
    assert.equal((await canvasColour(page, 'durationMs', '#3794ff')).total, 0, 'no bar left in the old colour');
    assert.deepEqual(web.pageErrors, []);
    assert.deepEqual(await page.evaluate(`window.__cspViolations`), [], 'uPlot runs under the strict CSP');
  });

  it('sorts the groups by each column, thousands of rows virtualized, unknown values last', async () => {
    page = await open('light');
    const fleet = fleetFixture();
    await showFleet(page, fleet, 'feature');
    const agents = fleet.groups.filter((g) => g.dimension === 'agent');
    const by = (key: 'costUsd' | 'runs' | 'checkPassRate', dir: 1 | -1) =>
      agents.filter((g) => g[key] !== null).sort((a, b) => dir * ((a[key] as number) - (b[key] as number)) || (a.value < b.value ? -1 : 1))[0].value;
    await page.locator('.group-rows .group-row').first().waitFor();
    const rows = await page.locator('.group-rows .group-row').count();
    assert.ok(rows > 5 && rows < 100, `${rows} group rows in the DOM for ${agents.length}`);
    assert.equal((await firstGroupValues(page, 1))[0], by('costUsd', -1), 'costliest first by default');
    await page.locator('button.sort-runs').click();
    assert.equal((await firstGroupValues(page, 1))[0], by('runs', -1));
    assert.equal(await page.locator('[role="columnheader"][aria-sort="descending"] .sort-runs').count(), 1);
    await page.locator('button.sort-runs').click();
    assert.equal((await firstGroupValues(page, 1))[0], by('runs', 1), 'a second click sorts ascending');
    await page.locator('button.sort-checkPassRate').click();
    assert.equal((await firstGroupValues(page, 1))[0], by('checkPassRate', -1));
    // The rows with no pass rate come last whatever the direction: scroll to the end.
    await page.waitForFunction(() => {
      const list = document.querySelector('fleet-virtual-list.group-rows')!;
      list.scrollTop = list.scrollHeight;
      return [...list.querySelectorAll('.pass-rate')].some((c) => c.textContent?.trim() === '—');
    });
    const last = await page.locator('.group-rows .group-row').last().locator('.pass-rate').textContent();
    assert.equal(last?.trim(), '—');
    await page.locator('button.sort-value').click();
    assert.deepEqual(await firstGroupValues(page, 2), ['agent-0000', 'agent-0001']);
    // Cost per feature: the attribute tab, with the chosen attribute's name.
    await page.locator('.tab-attribute').click();
    assert.match((await page.locator('.tab-attribute').textContent()) ?? '', /feature\s+3/);
    await page.locator('button.sort-costPerRunUsd').click();
    assert.deepEqual(await firstGroupValues(page, 3), ['refunds', 'orders', 'weather']);
    assert.equal((await page.locator('.group-rows .group-row').first().locator('.cost').textContent())?.trim(), '$800.00');
    assert.equal((await page.locator('.group-rows .group-row').first().locator('.cost-per-run').textContent())?.trim(), '$0.80');
    await page.locator('.tab-tool').click();
    assert.equal((await page.locator('.group-rows .group-row').first().locator('.runs').textContent())?.trim(), '1,000 (2,500 calls)');
    await page.locator('.tab-attribute').click();
    await page.screenshot({ path: screenshotPath('fleet-light.png'), fullPage: false });
    // The tab and sort survive a rebuilt page (VS Code discards hidden webviews).
    const saved = await page.evaluate(`window.__state`);
    assert.deepEqual(saved, { dimension: 'attribute', sort: { key: 'costPerRunUsd', descending: true }, keyMode: '', customKey: '' });
    // Another group attribute asks the host for the batch grouped by it.
    await page.locator('input.group-attribute').fill('route');
    await page.locator('input.group-attribute').press('Enter');
    await page.waitForFunction(() =>
      (window as unknown as { __posted: { type: string; selection?: { groupAttribute: string | null } }[] }).__posted.some((m) => m.type === 'selectBatch' && m.selection?.groupAttribute === 'route'),
    );
    assert.deepEqual(web.pageErrors, []);
  });

  it('an outlier deep in a long list opens its trace', async () => {
    page = await open('dark');
    const fleet = fleetFixture();
    await showFleet(page, fleet);
    const list = page.locator('fleet-virtual-list.outliers');
    await list.locator('.outlier').first().waitFor();
    assert.ok((await list.locator('.outlier').count()) < 60, 'virtualized');
    await list.evaluate((el) => (el.scrollTop = 1200 * 26));
    const target = fleet.outliers[1200];
    const row = list.locator(`.outlier[data-trace="${target.traceId}"]`);
    await row.waitFor();
    assert.equal(await row.locator('.reason').textContent(), target.reason);
    assert.equal(await row.locator('.measure').textContent(), 'Latency');
    await row.click();
    const opens = (await posted(page)).filter((m) => m.type === 'openTrace');
    assert.deepEqual(opens, [{ type: 'openTrace', traceId: target.traceId }]);
  });

  it('lists regressions first with before → after, p-value, interval and test, and opens the typical pair', async () => {
    page = await open('dark');
    const fleet = fleetFixture({ groups: 50, outliers: 5 });
    await showFleet(page, fleet);
    const compare = compareFixture();
    await hostPost(page, { type: 'batchCompare', before: compare.before.ref, after: compare.after.ref, result: compare });
    const rows = page.locator('fleet-virtual-list.findings .finding');
    await rows.first().waitFor();
    assert.ok((await rows.count()) < 40, 'virtualized');
    assert.equal((await page.locator('.compare-summary').textContent())?.replace(/\s+/g, ' ').trim(), '2 regressions, 1 improvement (significant at α = 0.01; 2,000 other measures)');
    assert.deepEqual(await rows.evaluateAll((rs) => rs.slice(0, 4).map((r) => r.className.replace('finding', '').trim())), ['regression', 'regression', 'improvement', 'unchanged']);
    const first = rows.first();
    assert.equal(await first.locator('.headline').textContent(), 'check refund policy cited 98% → 60% for route=refunds, p < 0.001');
    assert.equal(await first.locator('.before-after').textContent(), '98% → 60%');
    assert.equal(await first.locator('.p-value').textContent(), 'p < 0.001');
    assert.equal(await first.locator('.interval').textContent(), 'Δ −52% to −24%');
    assert.equal(await first.locator('.test').textContent(), "Fisher's exact test");
    assert.equal(await rows.nth(1).locator('.p-value').textContent(), 'p = 0.0062');
    assert.equal(await rows.nth(1).locator('.test').textContent(), 'two-proportion z-test');
    assert.equal(await rows.nth(2).locator('.before-after').textContent(), '$0.002 → $0.0015');
    await first.locator('button.compare-runs').click();
    const asked = (await posted(page)).filter((m) => m.type === 'compareRuns');
    assert.deepEqual(asked, [{ type: 'compareRuns', beforeTraceId: '9002'.padStart(32, 'a'), afterTraceId: '9002'.padStart(32, 'b') }]);
    await page.locator('.batch-compare').screenshot({ path: screenshotPath('fleet-compare-dark.png') });
  });

  it('asks for batches, picks one, and compares with the earlier batch as "before"', async () => {
    page = await open('light');
    const fleet = fleetFixture({ groups: 10, outliers: 3 });
    const later: BatchSummaryDto = { ref: { kind: 'attribute', key: 'agent_trace.batch', value: 'nightly-43' }, label: 'agent_trace.batch = nightly-43', runs: 10, firstStartMs: START + 86_400_000, lastStartMs: START + 90_000_000 };
    await hostPost(page, { type: 'batches', key: null, batches: [later, fleet.batch, earlier] });
    await showFleet(page, fleet);
    assert.deepEqual(await page.locator('select.batch option').allTextContents(), ['agent_trace.batch = nightly-43 (10 runs)', 'agent_trace.batch = nightly-42 (5,000 runs)', 'agent_trace.batch = nightly-41 (4,800 runs)']);
    assert.equal(await page.locator('select.batch').inputValue(), 'a:agent_trace.batch=nightly-42');
    await page.locator('select.compare-with').selectOption({ label: 'agent_trace.batch = nightly-41 (4,800 runs)' });
    await page.locator('select.compare-with').selectOption({ label: 'agent_trace.batch = nightly-43 (10 runs)' });
    const compares = (await posted(page)).filter((m) => m.type === 'compareBatches');
    assert.deepEqual(compares.map((m) => [(m.before as { value: string }).value, (m.after as { value: string }).value]), [['nightly-41', 'nightly-42'], ['nightly-42', 'nightly-43']]);
    // The host answers the first compare; showing a third batch then drops it from the page.
    const answer = compareFixture();
    await hostPost(page, { type: 'batchCompare', before: earlier.ref, after: fleet.batch.ref, result: { ...answer, findings: answer.findings.slice(0, 5) } });
    await page.locator('.batch-compare .finding').first().waitFor();
    await hostPost(page, { type: 'fleet', selection: { batch: later.ref, groupAttribute: null }, fleet: { ...fleet, batch: later } });
    await page.locator('.batch-compare').waitFor({ state: 'detached' });
    assert.equal(await page.locator('.batch-label').textContent(), 'agent_trace.batch = nightly-43');
    await page.locator('select.batch').selectOption('a:agent_trace.batch=nightly-42');
    await page.locator('select.batch').selectOption('a:agent_trace.batch=nightly-43');
    const selected = (await posted(page)).filter((m) => m.type === 'selectBatch');
    assert.deepEqual(selected.at(-1), { type: 'selectBatch', selection: { batch: later.ref, groupAttribute: null } });
    await page.locator('select.key-mode').selectOption('service.version');
    assert.deepEqual((await posted(page)).at(-1), { type: 'listBatches', key: 'service.version' });
    // The time-range fallback asks for the last 24 hours right away.
    await page.locator('select.key-mode').selectOption('time');
    const range = (await posted(page)).at(-1) as { type: string; selection: { batch: { kind: string; fromMs: number; toMs: number } } };
    assert.equal(range.type, 'selectBatch');
    assert.equal(range.selection.batch.kind, 'timeRange');
    assert.equal(range.selection.batch.toMs - range.selection.batch.fromMs, 86_400_000);
  });

  it('keeps hostile span text inert', async () => {
    page = await open('dark');
    const fleet = fleetFixture({ hostile: true, groups: 20, outliers: 10 });
    await showFleet(page, fleet);
    await hostPost(page, { type: 'batchCompare', before: earlier.ref, after: fleet.batch.ref, result: { ...compareFixture(), findings: [finding(1, { headline: HOSTILE_TEXT, regression: true, pValue: 0.001 })] } });
    await page.locator('.finding .headline').waitFor();
    assert.equal(await page.locator('.batch-label').textContent(), HOSTILE_TEXT);
    assert.equal(await page.locator('.finding .headline').textContent(), HOSTILE_TEXT);
    await page.locator('button.sort-value').click();
    assert.equal(await page.locator('.group-rows .group-row').first().locator('.group-value').textContent(), HOSTILE_TEXT);
    assert.equal(await page.locator('.outlier').first().locator('.outlier-title').textContent(), HOSTILE_TEXT);
    assert.equal(await page.locator('.outlier').first().locator('.reason').textContent(), HOSTILE_TEXT);
    assert.equal(await page.locator('agent-fleet-app img').count(), 0, 'no img element from span data');
    assert.equal(await page.locator('agent-fleet-app script').count(), 0);
    assert.equal(await page.locator('agent-fleet-app a').count(), 0, 'no link from span data');
    assert.equal(await page.evaluate(`window.__pwned`), undefined, 'no injected script ran');
    assert.deepEqual(web.dialogs, []);
    assert.deepEqual(web.pageErrors, []);
    assert.deepEqual(await page.evaluate(`window.__cspViolations`), []);
  });

  it('says what is going on when loading, empty, or failed', async () => {
    page = await open('dark');
    await hostPost(page, { type: 'busy', part: 'fleet', message: 'Computing the batch…' });
    await page.locator('.busy', { hasText: 'Computing the batch…' }).waitFor();
    await hostPost(page, { type: 'batches', key: null, batches: [] });
    await page.locator('.no-batches').waitFor();
    assert.match((await page.locator('.no-batches').textContent()) ?? '', /No batches yet: tag runs with a grouping attribute/);
    const empty = fleetFixture({ groups: 0, outliers: 0 });
    await showFleet(page, { ...empty, batch: { ...empty.batch, runs: 0 }, distributions: [] });
    assert.equal((await page.locator('p.empty').first().textContent())?.trim(), 'No runs in this batch.');
    await hostPost(page, { type: 'fleetFailed', selection: null, message: 'The Agent Trace server is not running. Run "Agent Trace: Restart Server".' });
    assert.equal(await page.locator('[role="alert"]').textContent(), 'The Agent Trace server is not running. Run "Agent Trace: Restart Server".');
    const withUnknownCost = fleetFixture({ groups: 5, outliers: 0 });
    withUnknownCost.distributions[2] = { measure: 'costUsd', count: 0, missing: 5000, min: null, max: null, mean: null, p50: null, p95: null, p99: null, bins: [] };
    await showFleet(page, withUnknownCost);
    assert.equal(await page.locator('fleet-histogram.hist-costUsd .chart-empty').textContent(), 'Unknown for all 5,000 runs');
    assert.equal((await page.locator('.outliers-empty, p.empty', { hasText: 'No outliers' }).textContent())?.trim(), 'No outliers: every run is within the batch\'s usual range.');
    await hostPost(page, { type: 'batchCompareFailed', message: 'Batch nightly-40 has no runs.' });
    assert.equal(await page.locator('.compare-failure').textContent(), 'Batch nightly-40 has no runs.');
    assert.deepEqual(web.pageErrors, []);
  });
});
