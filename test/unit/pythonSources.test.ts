// The Python files Agent Trace ships or documents (the source-location processor, the Python
// sample agent, the fixture generator) compile, the processor's logic passes its own unit tests
// (run with a stand-in span: the OpenTelemetry Python packages are not installable here), and
// the committed Python fixtures are exactly what their generator writes. Needs `python3`.
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const PY_FILES = [
  'src/sdk/agent_trace_source.py',
  'sample-agent/python/agent.py',
  'sample-agent/python/mock_model.py',
  'test/fixtures/conventions/python/make_fixtures.py',
  'test/python/test_agent_trace_source.py',
];

function python(args: string[], cwd = ROOT) {
  return spawnSync('python3', args, { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
}

describe('Python sources', function () {
  this.timeout(60_000);

  it('python3 is available (these checks need it)', () => {
    const r = python(['--version']);
    assert.equal(r.status, 0, `python3 not runnable: ${r.error?.message ?? r.stderr}`);
  });

  it('every shipped or documented .py file compiles', () => {
    const code = `import ast, sys\nfor f in sys.argv[1:]:\n    ast.parse(open(f, encoding='utf-8').read(), f)\n    compile(open(f, encoding='utf-8').read(), f, 'exec')`;
    const r = python(['-c', code, ...PY_FILES]);
    assert.equal(r.status, 0, r.stderr);
  });

  it('the source-location processor passes its unit tests', () => {
    const r = python(['-m', 'unittest', 'discover', '-s', 'test/python', '-v']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /Ran 6 tests/);
  });

  it('the build ships the processor as dist/sdk/agent_trace_source.py', () => {
    const shipped = path.join(ROOT, 'dist/sdk/agent_trace_source.py');
    if (!fs.existsSync(shipped)) execFileSync(process.execPath, ['esbuild.config.mjs'], { cwd: ROOT, stdio: 'inherit' });
    assert.equal(fs.readFileSync(shipped, 'utf8'), fs.readFileSync(path.join(ROOT, 'src/sdk/agent_trace_source.py'), 'utf8'));
    assert.match(fs.readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8'), /^!dist\/sdk\/\*\.py$/m, 'the vsix includes it');
  });

  it('the committed Python fixtures are what make_fixtures.py writes', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'py-fixtures-'));
    try {
      const r = python(['test/fixtures/conventions/python/make_fixtures.py', out]);
      assert.equal(r.status, 0, r.stderr);
      const dir = path.join(ROOT, 'test/fixtures/conventions/python');
      const made = fs.readdirSync(out).sort();
      assert.deepEqual(made, fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort());
      for (const f of made) assert.equal(fs.readFileSync(path.join(out, f), 'utf8'), fs.readFileSync(path.join(dir, f), 'utf8'), f);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
