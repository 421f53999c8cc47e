import assert from 'node:assert/strict';
import type { ServerStatusDto, TraceSummaryDto } from '../../src/protocol/dto';
import {
  formatCost,
  formatDuration,
  formatRelativeTime,
  formatTokens,
  displayName,
  hostForUrl,
  lastTraceInfo,
  lastTraceText,
  spanAtLineRow,
  statusBarText,
  traceDescription,
  traceTooltipRows,
} from '../../src/extension/format';
import { buildOtlpEnvironment, formatEnvironment } from '../../src/extension/otlpEnv';
import { badgeTooltip, compareNewestFirst, filterSummary, isRepeatOpen, newFailedRuns } from '../../src/extension/tracesViewModel';

const NOW = Date.parse('2026-11-27T12:00:00Z');
const summary = (over: Partial<TraceSummaryDto> = {}): TraceSummaryDto => ({
  traceId: 'a'.repeat(32),
  name: 'support-agent',
  services: ['support'],
  startTime: '2026-11-27T11:55:00Z',
  startUnixNanos: '1795780500000000000',
  durationMs: 4321,
  spanCount: 12,
  errorCount: 0,
  llmCalls: 3,
  toolCalls: 2,
  models: ['gpt-4o'],
  usage: { inputTokens: 1200, outputTokens: 340, cacheReadTokens: null, cacheWriteTokens: null, reasoningTokens: null },
  costUsd: 0.0123,
  orphanCount: 0,
  updatedAtMs: NOW - 300_000,
  ...over,
});

describe('extension format', () => {
  it('formats durations, times, tokens and costs', () => {
    assert.equal(formatDuration(0.4), '400 µs');
    assert.equal(formatDuration(250), '250 ms');
    assert.equal(formatDuration(4321), '4.3 s');
    assert.equal(formatDuration(125_000), '2 min 5 s');
    assert.equal(formatRelativeTime(NOW - 10_000, NOW), 'just now');
    assert.equal(formatRelativeTime(NOW - 5 * 60_000, NOW), '5 min ago');
    assert.equal(formatRelativeTime(NOW - 3 * 3_600_000, NOW), '3 h ago');
    assert.equal(formatTokens(null), null);
    assert.equal(formatTokens(0), '0');
    assert.equal(formatTokens(1540), '1.54k');
    assert.equal(formatCost(null), null);
    assert.equal(formatCost(0.0123), '$0.0123');
    assert.equal(formatCost(0.0012), '$0.0012');
  });

  it('describes a trace with the most telling figures first (a narrow sidebar cuts the end)', () => {
    assert.equal(traceDescription(summary(), NOW), '4.3 s · $0.0123 · 5 min ago · 1.54k tok · support');
  });

  it('leaves unreported tokens and unknown cost out instead of showing zero', () => {
    const t = summary({ usage: { inputTokens: null, outputTokens: null, cacheReadTokens: null, cacheWriteTokens: null, reasoningTokens: null }, costUsd: null, services: ['a', 'b', 'c'] });
    assert.equal(traceDescription(t, NOW), '4.3 s · 5 min ago · a +2');
    const rows = Object.fromEntries(traceTooltipRows(t, NOW));
    assert.equal(rows.Tokens, 'not reported');
    assert.equal(rows.Cost, 'unknown');
  });

  it('keeps untrusted names as row values, truncated, for escaping by appendText', () => {
    const evil = `[click](command:workbench.action.terminal.sendSequence) <img src=x> ${'x'.repeat(500)}`;
    const rows = traceTooltipRows(summary({ name: evil, errorCount: 2 }), NOW);
    assert.equal(rows[0][0], 'Trace');
    assert.ok(rows[0][1].startsWith('[click](command:'));
    assert.equal(rows[0][1].length, 200);
    assert.deepEqual(rows.find((r) => r[0] === 'Errors'), ['Errors', '2']);
  });

  it('status bar: listening, blocked with the server problem, follower, stopped', () => {
    const st: ServerStatusDto = { role: 'writer', host: '127.0.0.1', httpPort: 4318, grpcPort: 4317, listening: true, problem: null, dbPath: '/db', spanCount: 1534, traceCount: 9 };
    const ok = statusBarText('running', st, null, NOW);
    assert.equal(ok.text, '$(radio-tower) Agent Trace: listening · no runs yet');
    assert.doesNotMatch(ok.text, /spans/, 'the span count of the whole database tells a user nothing');
    assert.equal(ok.warning, false);
    assert.match(ok.tooltip[0], /Listening on 127\.0\.0\.1:4318/);
    const blocked = statusBarText('running', { ...st, listening: false, problem: 'Port 4318 is in use; change agentTrace.otlp.httpPort' });
    assert.equal(blocked.warning, true);
    assert.match(blocked.text, /not listening/);
    assert.match(blocked.tooltip[0], /Port 4318 is in use/);
    const follower = statusBarText('running', { ...st, role: 'follower', listening: false });
    assert.equal(follower.warning, false);
    assert.match(follower.text, /follower/);
    assert.match(statusBarText('stopped', null).text, /stopped/);
    assert.match(statusBarText('starting', null).text, /starting/);
    assert.equal(statusBarText('failed', null).warning, true);
  });
});

describe('status bar: the last run', () => {
  const st: ServerStatusDto = { role: 'writer', host: '127.0.0.1', httpPort: 4999, grpcPort: 4998, listening: true, problem: null, dbPath: '/db', spanCount: 1534, traceCount: 9 };
  it('says how the newest run went and when, with a failure marked', () => {
    const failed = lastTraceInfo(summary({ name: 'support-bot', errorCount: 1, startTime: new Date(NOW - 2 * 60_000).toISOString(), durationMs: 4300 }));
    const t = statusBarText('running', st, failed, NOW);
    assert.equal(t.text, '$(radio-tower) Agent Trace: listening · $(error)last run failed 2 min ago');
    assert.match(t.tooltip[0], /127\.0\.0\.1:4999 \(HTTP\), :4998 \(gRPC\)/, 'the live endpoint, not the default one');
    assert.match(t.tooltip[1], /^Last run: support-bot, failed, 4\.3 s, 2 min ago$/);
    const ok = lastTraceInfo(summary({ errorCount: 0, startTime: new Date(NOW - 10_000).toISOString() }));
    assert.equal(lastTraceText(ok, NOW), 'last run ok just now');
    assert.equal(lastTraceText(null, NOW), 'no runs yet');
    assert.equal(lastTraceInfo(undefined), null);
  });
  it('a follower tells the last run too; not listening says nothing else', () => {
    const last = lastTraceInfo(summary({ errorCount: 0, startTime: new Date(NOW - 5 * 60_000).toISOString() }));
    assert.equal(statusBarText('running', { ...st, role: 'follower', listening: false }, last, NOW).text, '$(eye) Agent Trace: follower · last run ok 5 min ago');
    assert.equal(statusBarText('running', { ...st, listening: false, problem: 'Port in use' }, last, NOW).text, '$(warning) Agent Trace: not listening');
  });
});

describe('extension OTLP environment', () => {
  it('points exporters at the receiver and switches on message capture', () => {
    const env = Object.fromEntries(buildOtlpEnvironment({ host: '127.0.0.1', httpPort: 4318, grpcPort: 4317 }).map((v) => [v.name, v.value]));
    assert.deepEqual(env, {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true',
      OTEL_PYTHON_LOGGING_AUTO_INSTRUMENTATION_ENABLED: 'true',
      OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT_MODE: 'SPAN_AND_EVENT',
      TRACELOOP_TRACE_CONTENT: 'true',
      OPENINFERENCE_HIDE_INPUTS: 'false',
      OPENINFERENCE_HIDE_OUTPUTS: 'false',
    });
  });

  it('reaches wildcard and IPv6 binds through a usable URL host', () => {
    assert.equal(hostForUrl('0.0.0.0'), '127.0.0.1');
    assert.equal(hostForUrl('::1'), '[::1]');
    assert.equal(hostForUrl(''), '127.0.0.1');
    assert.equal(buildOtlpEnvironment({ host: '::1', httpPort: 5000, grpcPort: 1 })[0].value, 'http://[::1]:5000');
  });

  it('renders shell syntax per format, with the service name as a hint', () => {
    const vars = buildOtlpEnvironment({ host: '127.0.0.1', httpPort: 4318, grpcPort: 4317 });
    const posix = formatEnvironment(vars, 'posix');
    assert.match(posix, /^export OTEL_EXPORTER_OTLP_ENDPOINT=http:\/\/127\.0\.0\.1:4318$/m);
    assert.match(posix, /^# export OTEL_SERVICE_NAME=my-agent$/m);
    assert.match(formatEnvironment(vars, 'powershell'), /^\$env:OTEL_EXPORTER_OTLP_PROTOCOL="http\/protobuf"$/m);
    assert.match(formatEnvironment(vars, 'cmd'), /^set "TRACELOOP_TRACE_CONTENT=true"$/m);
    assert.match(formatEnvironment(vars, 'dotenv'), /^OPENINFERENCE_HIDE_OUTPUTS=false$/m);
    assert.equal(formatEnvironment([{ name: 'A', value: "it's x", description: '' }], 'posix').split('\n')[0], `export A='it'\\''s x'`);
  });
});

describe('extension traces view model', () => {
  it('orders newest first by exact nanoseconds', () => {
    const a = summary({ traceId: 'a', startUnixNanos: '1795780500000000001' });
    const b = summary({ traceId: 'b', startUnixNanos: '1795780500000000002' });
    const c = summary({ traceId: 'c', startUnixNanos: '1695780500000000000' });
    assert.deepEqual([a, c, b].sort(compareNewestFirst).map((t) => t.traceId), ['b', 'a', 'c']);
  });

  it('summarizes the active filter', () => {
    assert.equal(filterSummary({}), '');
    assert.equal(filterSummary({ text: 'refund', service: 'support', errorsOnly: true }), '"refund", service support, errors only');
  });

  it('spans-at-line picker rows: time, status, duration, tokens and cost; the failure as detail without icon syntax', () => {
    const base = { traceId: 'b'.repeat(32), spanId: 'c'.repeat(16), name: 'execute_tool lookup', startTime: '2026-11-27T11:55:00Z' };
    assert.deepEqual(spanAtLineRow({ ...base, failed: false, durationMs: 0.28, tokens: 2020, costUsd: 0.000212, llmCalls: 2 }, NOW), {
      description: '5 min ago · ok · 280 µs · 2.02k tok · $0.000212',
      detail: `trace ${'b'.repeat(32)}`,
    });
    const failed = spanAtLineRow({ ...base, failed: true, errorMessage: 'LookupError $(zap)\nno city', durationMs: 4, tokens: null, costUsd: null, llmCalls: 1 }, NOW);
    assert.equal(failed.description, '5 min ago · failed · 4 ms · cost unknown');
    assert.equal(failed.detail, 'LookupError $\u200b(zap) no city');
    // An older server sends only the first four fields.
    assert.deepEqual(spanAtLineRow(base, NOW), { description: '5 min ago', detail: `trace ${'b'.repeat(32)}` });
  });
});

describe('extension traces view: titles', () => {
  it('shows the server title, with the root span name and the trace id on hover', () => {
    const t = summary({ name: 'agent run', title: 'weather-assistant: Umbrella?' });
    assert.equal(displayName(t), 'weather-assistant: Umbrella?');
    const rows = Object.fromEntries(traceTooltipRows(t, NOW));
    assert.equal(rows.Trace, 'weather-assistant: Umbrella?');
    assert.equal(rows['Root span'], 'agent run');
    assert.equal(rows['Trace id'], 'a'.repeat(32));
    assert.equal(displayName(summary({ name: 'x' })), 'x', 'an older server sends no title');
    assert.equal(Object.fromEntries(traceTooltipRows(summary({ name: 'x', title: 'x' }), NOW))['Root span'], undefined);
  });
});

describe('extension traces view: badge and preview', () => {
  it('the badge counts failed runs written since the user last looked, not every trace', () => {
    const seen = NOW - 60_000;
    const list = [
      summary({ errorCount: 2, updatedAtMs: NOW - 10_000 }), // failed after the last look
      summary({ errorCount: 1, updatedAtMs: NOW - 120_000 }), // failed, already seen
      summary({ errorCount: 0, updatedAtMs: NOW - 5_000 }), // new but fine
      summary({ errorCount: 3, updatedAtMs: NOW }),
    ];
    assert.equal(newFailedRuns(list, seen), 2);
    assert.equal(newFailedRuns(list, NOW), 0);
    assert.equal(newFailedRuns([], 0), 0);
    assert.equal(badgeTooltip(1), '1 failed run since you last looked');
    assert.equal(badgeTooltip(2), '2 failed runs since you last looked');
  });

  it('a second open of the same trace within the double-click time pins the preview', () => {
    const prev = { traceId: 't1', atMs: NOW };
    assert.equal(isRepeatOpen(prev, 't1', NOW + 300), true);
    assert.equal(isRepeatOpen(prev, 't1', NOW + 900), false, 'two separate clicks');
    assert.equal(isRepeatOpen(prev, 't2', NOW + 100), false, 'another row');
    assert.equal(isRepeatOpen(null, 't1', NOW), false);
  });
});
