import assert from 'node:assert/strict';
import type { SpanDto } from '../../src/protocol/dto';
import { applyPathMappings, bestSuffixMatch, isInsideAny, isInsideFolder, normalizePath, pathSuffixes } from '../../src/core/sourcePaths';
import {
  confidenceFor,
  distinctiveSnippet,
  findNameInText,
  findSnippet,
  identifierVariants,
  namesForSpan,
  promptTextForSpan,
  symbolNameMatches,
} from '../../src/extension/source/sourceMatch';

type SpanBits = Pick<SpanDto, 'name' | 'kind' | 'tool' | 'agentName' | 'source' | 'messages'>;
const span = (over: Partial<SpanBits>): SpanBits => ({ name: 'x', kind: 'other', tool: null, agentName: null, source: null, messages: [], ...over });

describe('extension sourceMatch: paths', () => {
  it('normalizes separators, file URIs and trailing slashes', () => {
    assert.equal(normalizePath('C:\\work\\app\\x.py'), 'C:/work/app/x.py');
    assert.equal(normalizePath('file:///home/me/a%20b/x.ts'), '/home/me/a b/x.ts');
    assert.equal(normalizePath('file:///c:/w/x.ts'), 'c:/w/x.ts');
    assert.equal(normalizePath('/ws//src/'), '/ws/src');
  });

  it('treats a sibling folder with a common prefix as outside', () => {
    assert.equal(isInsideFolder('/ws/src/a.ts', '/ws'), true);
    assert.equal(isInsideFolder('/ws', '/ws'), true);
    assert.equal(isInsideFolder('/ws2/a.ts', '/ws'), false);
    assert.equal(isInsideFolder('/etc/passwd', '/ws'), false);
    assert.equal(isInsideFolder('C:\\Ws\\a.ts', 'c:/ws', true), true);
    assert.equal(isInsideFolder('C:\\Ws\\a.ts', 'c:/ws', false), false);
    assert.equal(isInsideAny('/b/x', ['/a', '/b']), true);
  });

  it('rewrites the longest matching prefix, on segment boundaries only', () => {
    const m = { '/app': '/home/me/proj', '/app/vendor': '/home/me/vendor' };
    assert.equal(applyPathMappings('/app/src/agent.py', m), '/home/me/proj/src/agent.py');
    assert.equal(applyPathMappings('/app/vendor/lib.py', m), '/home/me/vendor/lib.py');
    assert.equal(applyPathMappings('/application/x.py', m), null);
    assert.equal(applyPathMappings('/app', m), '/home/me/proj');
    assert.equal(applyPathMappings('C:\\build\\src\\a.ts', { 'C:/build': '/ws' }), '/ws/src/a.ts');
  });

  it('lists trailing path pieces longest first', () => {
    assert.deepEqual(pathSuffixes('/app/src/agent/tools.py'), ['app/src/agent/tools.py', 'src/agent/tools.py', 'agent/tools.py', 'tools.py']);
    assert.deepEqual(pathSuffixes('C:\\x\\y.ts'), ['x/y.ts', 'y.ts']);
  });

  it('picks the workspace file sharing most trailing segments, and refuses a bare-name tie', () => {
    const cands = ['/ws/src/agent/tools.py', '/ws/tests/tools.py', '/ws/other/agent/tools.py.bak'];
    const best = bestSuffixMatch('/app/src/agent/tools.py', cands);
    assert.equal(best?.path, '/ws/src/agent/tools.py');
    assert.equal(best?.confidence, 'high');
    assert.equal(bestSuffixMatch('/app/x/tools.py', ['/ws/a/tools.py', '/ws/b/tools.py']), null);
    assert.equal(bestSuffixMatch('/app/x/tools.py', ['/ws/a/tools.py'])?.confidence, 'medium');
    assert.equal(bestSuffixMatch('/app/x/tools.py', ['/ws/a/other.py']), null);
  });
});

describe('extension sourceMatch: names', () => {
  it('offers snake, camel and Pascal variants of tool names', () => {
    assert.deepEqual(identifierVariants('get_weather'), ['get_weather', 'getWeather', 'GetWeather']);
    assert.deepEqual(identifierVariants('getWeather'), ['getWeather', 'get_weather']);
    assert.deepEqual(identifierVariants('search'), ['search']);
    assert.deepEqual(identifierVariants('not a name'), []);
  });

  it('takes function, tool and agent names, strips operation prefixes, skips model names of LLM spans', () => {
    assert.deepEqual(namesForSpan(span({ name: 'execute_tool get_weather', kind: 'tool', tool: { name: 'get_weather', callId: null, arguments: null, result: null } })), ['get_weather']);
    assert.deepEqual(namesForSpan(span({ name: 'invoke_agent Planner', kind: 'agent', agentName: 'Planner' })), ['Planner']);
    assert.deepEqual(namesForSpan(span({ name: 'chat gpt-4o', kind: 'llm' })), []);
    assert.deepEqual(namesForSpan(span({ name: 'ResearchAgent.run', kind: 'agent' })), ['run']);
    assert.deepEqual(
      namesForSpan(span({ name: 'x', source: { file: '', line: null, column: null, function: 'module.handle_turn', how: 'stackframe' } })),
      ['handle_turn'],
    );
  });

  it('matches VS Code symbol names with parameters or containers', () => {
    assert.equal(symbolNameMatches('get_weather(city)', 'get_weather'), true);
    assert.equal(symbolNameMatches('Agent.run', 'run'), true);
    assert.equal(symbolNameMatches('get_weather_v2', 'get_weather'), false);
  });
});

describe('extension sourceMatch: text search', () => {
  const py = ['import x', '', '@tool', 'def get_weather(city: str):', '    return call(city)', '', 'result = get_weather("Paris")', 'TOOLS = ["get_weather"]'].join('\n');
  const ts = [
    "export async function getWeather(city: string) {",
    '  return 1;',
    '}',
    "const tools = [{ name: 'lookup_order', run: lookupOrder }];",
    'const lookupOrder = async (id: string) => db(id);',
    'class Planner {',
    '  plan(goal: string): Step[] {',
    '    return this.plan(goal);',
    '  }',
    '}',
  ].join('\n');

  it('finds Python and TypeScript definitions with 1-based positions', () => {
    assert.deepEqual(findNameInText(py, 'get_weather'), [
      { line: 4, column: 5, strength: 'definition' },
      { line: 7, column: 10, strength: 'reference' },
      { line: 8, column: 11, strength: 'reference' },
    ]);
    assert.deepEqual(findNameInText(ts, 'getWeather'), [{ line: 1, column: 23, strength: 'definition' }]);
    assert.deepEqual(findNameInText(ts, 'lookupOrder').map((m) => [m.line, m.strength]), [[5, 'definition']]);
    assert.deepEqual(findNameInText(ts, 'lookup_order').map((m) => [m.line, m.strength]), [[4, 'definition']]);
    assert.deepEqual(findNameInText(ts, 'Planner').map((m) => [m.line, m.strength]), [[6, 'definition']]);
    assert.deepEqual(findNameInText(ts, 'plan').map((m) => [m.line, m.strength]), [[7, 'definition'], [8, 'reference']]);
  });

  it('does not match a name inside a longer identifier', () => {
    assert.deepEqual(findNameInText('def get_weather_v2():\n  my_get_weather()', 'get_weather'), []);
  });

  it('picks a long quote-free line of a prompt, cut at a word boundary', () => {
    const prompt = 'You are {name}.\nAlways answer in French and cite the order number from the database before refunding anything.\nok';
    const s = distinctiveSnippet(prompt);
    assert.equal(s, 'Always answer in French and cite the order number from the');
    assert.ok(s && s.length <= 60);
    assert.equal(distinctiveSnippet('hi\n{x}'), null);
    assert.equal(distinctiveSnippet(null), null);
  });

  it('finds a snippet whatever the spacing on the line', () => {
    const src = 'SYSTEM = (\n    "Always answer in  French and cite the order number from the database"\n)';
    assert.deepEqual(findSnippet(src, 'Always answer in French and cite'), { line: 2, column: 6 });
    assert.equal(findSnippet(src, 'answer in German'), null);
  });

  it('uses the system prompt, else the first user message', () => {
    const msg = (role: string, content: string) => ({ role, direction: 'input' as const, content, toolCalls: [], toolCallId: null, name: null });
    assert.equal(promptTextForSpan({ messages: [msg('user', 'u'), msg('system', 's')] }), 's');
    assert.equal(promptTextForSpan({ messages: [msg('user', 'u')] }), 'u');
    assert.equal(promptTextForSpan({ messages: [] }), null);
  });

  it('grades confidence by what matched and how often', () => {
    assert.equal(confidenceFor('symbol', 1), 'high');
    assert.equal(confidenceFor('symbol', 3), 'medium');
    assert.equal(confidenceFor('definition', 1), 'high');
    assert.equal(confidenceFor('prompt', 1), 'medium');
    assert.equal(confidenceFor('prompt', 2), 'low');
    assert.equal(confidenceFor('reference', 1), 'low');
  });
});
