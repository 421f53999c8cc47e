// Model-call detail from each convention's own keys, and stack traces split into linkable frames.
import { strict as assert } from 'node:assert';
import { modelCallDetail } from '../../src/core/modelCall';
import { stackTraceLines, MAX_LINKED_STACK_LINES } from '../../src/core/source';

describe('model call detail', () => {
  it('reads OTel GenAI: parameters, tool definitions, finish reasons, time to first chunk (seconds)', () => {
    const d = modelCallDetail({
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.max_tokens': 512,
      'gen_ai.request.top_p': 0.9,
      'gen_ai.response.finish_reasons': ['tool_calls'],
      'gen_ai.response.time_to_first_chunk': 0.25,
      'gen_ai.tool.definitions': JSON.stringify([{ type: 'function', name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object' } }]),
    });
    assert.deepEqual(d, {
      temperature: 0.2,
      maxTokens: 512,
      topP: 0.9,
      toolsOffered: [{ name: 'get_weather', description: 'Weather for a city', parameters: '{"type":"object"}' }],
      finishReasons: ['tool_calls'],
      timeToFirstTokenMs: 250,
    });
  });

  it('reads OpenInference invocation parameters and llm.tools.N.tool.json_schema', () => {
    const d = modelCallDetail({
      'llm.invocation_parameters': JSON.stringify({ temperature: 0, max_completion_tokens: 100 }),
      'llm.tools.0.tool.json_schema': JSON.stringify({ type: 'function', function: { name: 'search_docs', description: 'Search', parameters: { type: 'object' } } }),
      'llm.tools.1.tool.json_schema': JSON.stringify({ type: 'function', function: { name: 'get_weather' } }),
    });
    assert.equal(d.temperature, 0);
    assert.equal(d.maxTokens, 100);
    assert.deepEqual(d.toolsOffered?.map((t) => t.name), ['search_docs', 'get_weather']);
    assert.equal(d.toolsOffered?.[0].description, 'Search');
  });

  it('reads OpenLLMetry per-choice finish reasons and functions, and the Vercel AI SDK', () => {
    const openllmetry = modelCallDetail({
      'gen_ai.completion.0.finish_reason': 'stop',
      'gen_ai.completion.1.finish_reason': 'length',
      'llm.request.functions.0.name': 'lookup',
      'llm.request.functions.0.description': 'Look it up',
    });
    assert.deepEqual(openllmetry.finishReasons, ['stop', 'length']);
    assert.deepEqual(openllmetry.toolsOffered, [{ name: 'lookup', description: 'Look it up', parameters: null }]);
    const vercel = modelCallDetail({ 'ai.response.finishReason': 'stop', 'ai.response.msToFirstChunk': 87, 'ai.settings.maxOutputTokens': 64, 'ai.prompt.tools': ['{"type":"function","name":"calc","inputSchema":{"type":"object"}}'] });
    assert.deepEqual(vercel.finishReasons, ['stop']);
    assert.equal(vercel.timeToFirstTokenMs, 87);
    assert.equal(vercel.maxTokens, 64);
    assert.deepEqual(vercel.toolsOffered, [{ name: 'calc', description: null, parameters: '{"type":"object"}' }]);
  });

  it('records nothing it was not told, and survives broken JSON', () => {
    const d = modelCallDetail({ 'gen_ai.tool.definitions': '[{broken', 'llm.invocation_parameters': 'nope' });
    assert.deepEqual(d, { temperature: null, maxTokens: null, topP: null, toolsOffered: null, finishReasons: [], timeToFirstTokenMs: null });
  });
});

describe('stack trace lines', () => {
  it('marks frame lines with their location, library frames as such, other lines as text', () => {
    const lines = stackTraceLines(['TypeError: boom', '    at chat (/ws/agent.js:65:56)', '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)'].join('\n'));
    assert.deepEqual(
      lines.map((l) => [l.frame?.file ?? null, l.frame?.line ?? null, l.library]),
      [
        [null, null, false],
        ['/ws/agent.js', 65, false],
        ['node:internal/process/task_queues', 95, true],
      ],
    );
    assert.equal(lines[1].text, '    at chat (/ws/agent.js:65:56)');
  });

  it('links Python frames too, and keeps a runaway trace as one tail line', () => {
    const py = stackTraceLines('Traceback (most recent call last):\n  File "/ws/agent.py", line 12, in main\n    run()\nValueError: x');
    assert.equal(py[1].frame?.file, '/ws/agent.py');
    assert.equal(py[1].frame?.line, 12);
    const long = stackTraceLines(Array.from({ length: MAX_LINKED_STACK_LINES + 50 }, (_, i) => `    at f${i} (/ws/a.js:${i + 1}:1)`).join('\n'));
    assert.equal(long.length, MAX_LINKED_STACK_LINES + 1);
    assert.equal(long[long.length - 1].frame, null);
  });
});
