// A local, deterministic stand-in for an OpenAI-compatible chat completions endpoint, so the
// sample runs with no network and no API key. Turn 1: the model asks for get_weather and
// search_docs; turn 2 (after the tool results): it answers with text built from them.
'use strict';

const http = require('node:http');

function completion(model, message, finishReason, usage) {
  return {
    id: `chatcmpl-mock-${Date.now()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message, finish_reason: finishReason, logprobs: null }],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  };
}

const REFUND_ANSWER = 'Under our refund policy you can return it within 30 days for a full refund.';
// About as long as the right answer: a fault changes what the answer says, not its size.
const FAULTY_REFUND_ANSWER = 'You can probably send it back at some point; I could not find out how.';

/**
 * A fault for batch experiments, off unless MOCK_FAULT_ROUTE is set: on that route (the `route`
 * of AGENT_TRACE_INPUT), a deterministic MOCK_FAULT_RATE share of the runs (by
 * AGENT_TRACE_RUN_INDEX) answer without citing the refund policy. The golden-ratio sequence
 * frac(i·0.618…) is spread evenly over any regular subsequence of run indices, so every 2nd or
 * 3rd run of a batch cycling through its inputs gets very nearly that share.
 */
function injectFault() {
  const route = process.env.MOCK_FAULT_ROUTE;
  if (!route) return false;
  let input = null;
  try {
    input = JSON.parse(process.env.AGENT_TRACE_INPUT || 'null');
  } catch {
    return false;
  }
  if (!input || input.route !== route) return false;
  const rate = Number(process.env.MOCK_FAULT_RATE || '0.4');
  const index = Number(process.env.AGENT_TRACE_RUN_INDEX || process.env.AGENT_TRACE_INPUT_INDEX || '0');
  return ((index * 0.6180339887498949) % 1) < rate;
}

function answer(body) {
  const messages = body.messages || [];
  const model = body.model || 'gpt-4o-mini';
  const toolResults = messages.filter((m) => m.role === 'tool');
  if (toolResults.length === 0) {
    return completion(
      model,
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_weather_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_docs_2', type: 'function', function: { name: 'search_docs', arguments: '{"query":"umbrella policy"}' } },
        ],
      },
      'tool_calls',
      { prompt_tokens: 182, completion_tokens: 46 },
    );
  }
  const weather = JSON.parse(toolResults.find((m) => m.tool_call_id === 'call_weather_1')?.content || '{}');
  const docs = JSON.parse(toolResults.find((m) => m.tool_call_id === 'call_docs_2')?.content || '{}');
  const asksAboutRefunds = messages.some((m) => m.role === 'user' && /refund/i.test(String(m.content)));
  const text =
    `It is ${weather.temperatureC}°C with ${weather.condition} in ${weather.city}: take an umbrella.\n` +
    `The wiki says:\n${docs.text || '(nothing)'}` +
    (asksAboutRefunds ? `\n${injectFault() ? FAULTY_REFUND_ANSWER : REFUND_ANSWER}` : '');
  return completion(model, { role: 'assistant', content: text }, 'stop', { prompt_tokens: 391, completion_tokens: 87 });
}

/** Starts the mock on 127.0.0.1 with an ephemeral port; resolves to { baseURL, close }. */
function startMockModel() {
  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url.endsWith('/chat/completions')) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `no mock for ${req.method} ${req.url}` } }));
        return;
      }
      let body;
      try {
        body = JSON.parse(raw);
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'invalid JSON' } }));
        return;
      }
      // A little latency, so the steps have visible durations in the timeline.
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer(body)));
      }, 120);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        baseURL: `http://127.0.0.1:${port}/v1`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

module.exports = { startMockModel };
