import assert from 'node:assert/strict';
import type { RawSpan, StackFrame } from '../../src/core/model';
import { isLibraryFrame, parseStackTrace, sourceFromAttributes, sourceFromSpan } from '../../src/core/source';

const f = (file: string, line: number | null, column: number | null, fn: string | null): StackFrame => ({ file, line, column, function: fn });

describe('parseStackTrace (innermost frame first)', () => {
  const cases: Array<[string, string, StackFrame[]]> = [
    ['Python', 'Traceback (most recent call last):\n  File "/app/main.py", line 10, in <module>\n    main()\n  File "/app/agent.py", line 22, in main\n    x()\nValueError: bad',
      [f('/app/agent.py', 22, null, 'main'), f('/app/main.py', 10, null, '<module>')]],
    ['Node/V8', 'Error: boom\n    at run (/srv/app/agent.js:12:7)\n    at async Promise.all (index 0)\n    at /srv/app/index.js:3:1\n    at Module._compile (node:internal/modules/cjs/loader:1554:14)\n    at main (file:///srv/app/esm.mjs:5:9)',
      [f('/srv/app/agent.js', 12, 7, 'run'), f('/srv/app/index.js', 3, 1, null), f('node:internal/modules/cjs/loader', 1554, 14, 'Module._compile'), f('/srv/app/esm.mjs', 5, 9, 'main')]],
    ['Java', 'java.lang.IllegalStateException: x\n\tat com.acme.agent.Planner.plan(Planner.java:42)\n\tat java.base/java.lang.Thread.run(Thread.java:1583)\n\tat jdk.internal.reflect.X.y(Native Method)',
      [f('com/acme/agent/Planner.java', 42, null, 'com.acme.agent.Planner.plan'), f('java/lang/Thread.java', 1583, null, 'java.lang.Thread.run'), f('jdk.internal.reflect.X', null, null, 'jdk.internal.reflect.X.y')]],
    ['Go', 'goroutine 1 [running]:\nmain.callModel(0x1)\n\t/home/u/agent/main.go:27 +0x1d\nruntime.main()\n\t/usr/local/go/src/runtime/proc.go:271 +0x29d',
      [f('/home/u/agent/main.go', 27, null, 'main.callModel'), f('/usr/local/go/src/runtime/proc.go', 271, null, 'runtime.main')]],
    ['.NET', 'System.Exception: boom\n   at Acme.Agent.Run(String prompt) in C:\\src\\Agent.cs:line 31\n   at System.Threading.Tasks.Task.Execute()',
      [f('C:\\src\\Agent.cs', 31, null, 'Acme.Agent.Run'), f('System.Threading.Tasks.Task.Execute', null, null, 'System.Threading.Tasks.Task.Execute')]],
  ];
  for (const [lang, text, want] of cases) it(lang, () => assert.deepEqual(parseStackTrace(text), want));
  it('returns no frames for text that is not a stack trace', () => {
    assert.deepEqual(parseStackTrace('just a message'), []);
    assert.deepEqual(parseStackTrace(''), []);
  });
});

describe('library frames', () => {
  const lib = ['/app/node_modules/openai/core.js', 'node:internal/process/task_queues', '/usr/lib/python3.12/site-packages/httpx/_client.py', '<frozen importlib._bootstrap>', '/usr/local/go/src/runtime/proc.go'];
  for (const file of lib) it(`skips ${file}`, () => assert.equal(isLibraryFrame(f(file, 1, null, null)), true));
  it('skips java.* and System.* by function', () => {
    assert.equal(isLibraryFrame(f('java/lang/Thread.java', 1, null, 'java.lang.Thread.run')), true);
    assert.equal(isLibraryFrame(f('X', null, null, 'System.Threading.Tasks.Task.Execute')), true);
  });
  it('keeps user files', () => assert.equal(isLibraryFrame(f('/home/u/project/src/agent.ts', 3, 1, 'run')), false));
});

function span(attributes: RawSpan['attributes'], events: RawSpan['events'] = []): RawSpan {
  return { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), parentSpanId: null, name: 's', kind: 'internal', startUnixNanos: '0', endUnixNanos: '0',
    status: { code: 'unset', message: '' }, attributes, events, links: [], resource: {}, scope: { name: 'x', version: '' } };
}

describe('sourceFromSpan', () => {
  it('prefers code.* attributes (current names)', () => {
    assert.deepEqual(sourceFromAttributes({ 'code.file.path': '/a.py', 'code.line.number': 3, 'code.column.number': 4, 'code.function.name': 'go' }),
      { file: '/a.py', line: 3, column: 4, function: 'go', how: 'attribute' });
  });
  it('then code.stacktrace, skipping library frames', () => {
    const s = span({ 'code.stacktrace': 'Error\n    at wrap (/p/node_modules/x/i.js:1:1)\n    at mine (/p/src/a.ts:9:2)' });
    assert.deepEqual(sourceFromSpan(s), { file: '/p/src/a.ts', line: 9, column: 2, function: 'mine', how: 'stackframe' });
  });
  it('then exception events: the innermost user frame of a Python traceback', () => {
    const st = 'Traceback (most recent call last):\n  File "/p/app.py", line 5, in run\n    go()\n  File "/p/tools.py", line 9, in go\n    lib()\n  File "/v/lib/python3.11/site-packages/lib.py", line 1, in lib\nE: x';
    const s = span({}, [{ name: 'exception', timeUnixNanos: '0', attributes: { 'exception.stacktrace': st } }]);
    assert.deepEqual(sourceFromSpan(s), { file: '/p/tools.py', line: 9, column: null, function: 'go', how: 'exception' });
  });
  it('null when only library frames or nothing at all', () => {
    assert.equal(sourceFromSpan(span({ 'code.stacktrace': '    at x (node:internal/a:1:1)' })), null);
    assert.equal(sourceFromSpan(span({})), null);
  });
});

describe('stack trace parsing stays linear on hostile input', () => {
  // Shapes that made the old V8 / .NET / Python / Go patterns backtrack quadratically, as one
  // long line and as many lines just under the per-line limit.
  const shapes: Record<string, (n: number) => string> = {
    'V8 "at f ( ( (" line': (n) => `    at f${' (x'.repeat(n / 3)}`,
    '.NET "at f(a)" with ")" runs': (n) => `   at f(${')'.repeat(n)} in x`,
    'Python quotes and commas': (n) => `  File "${'", line 1, in x\r'.repeat(n / 15)}`,
    'Go "((((" function line': (n) => `main.f${'(('.repeat(n / 2)}x\n\t/a.go:1`,
    'many 4000-char V8 lines': (n) => Array.from({ length: Math.ceil(n / 4001) }, () => `at f${' (x'.repeat(1330)}`).join('\n'),
    'many 4000-char .NET lines': (n) => Array.from({ length: Math.ceil(n / 4001) }, () => `at f(${')'.repeat(3990)} in x`).join('\n'),
  };
  const benign = (n: number): string => Array.from({ length: Math.ceil(n / 40) }, (_, i) => `    at fn${i} (/srv/app/agent.js:${i}:7)`).join('\n');

  function timeOf(text: string): number {
    const s = span({ 'code.stacktrace': text }, [{ name: 'exception', timeUnixNanos: '0', attributes: { 'exception.stacktrace': text } }]);
    const runs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      sourceFromSpan(s);
      runs.push(performance.now() - t);
    }
    return runs.sort((a, b) => a - b)[1]!;
  }

  const SMALL = 64 * 1024;
  const LARGE = 1024 * 1024;
  for (const [name, make] of Object.entries(shapes)) {
    it(`${name}: 1 MB costs about 16× what 64 KB costs, and about what a benign 1 MB stack costs`, () => {
      const large = timeOf(make(LARGE));
      // Floors of 1 ms keep timer noise on tiny durations from deciding the ratio.
      const small = Math.max(timeOf(make(SMALL)), 1);
      const reference = Math.max(timeOf(benign(LARGE)), 1);
      // Linear is 16×; quadratic would be 256×. Slack of 4× for a loaded machine.
      assert.ok(large / small < 64, `1 MB took ${large.toFixed(1)} ms, 64 KB ${small.toFixed(1)} ms: super-linear`);
      assert.ok(large / reference < 20, `1 MB took ${large.toFixed(1)} ms, a benign 1 MB stack ${reference.toFixed(1)} ms`);
    });
  }
});
