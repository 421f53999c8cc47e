#!/usr/bin/env node
// A small tool-calling agent, traced with OpenTelemetry for Agent Trace.
//   node agent.js ["your question"]
// Sends spans over OTLP/protobuf to OTEL_EXPORTER_OTLP_ENDPOINT (default http://127.0.0.1:4318).
// The model is a local mock (mockModel.js): no network, no API key, same answer every run.
// SAMPLE_AGENT_MODEL_URL=http://127.0.0.1:4319/v1 sends its model calls there instead (e.g. the
// Agent Trace recording proxy, with its upstream pointed at a model server).
'use strict';

const { setupTelemetry } = require('./telemetry');
const { SpanStatusCode } = require('@opentelemetry/api');
const OpenAI = require('openai');
const { startMockModel } = require('./mockModel');
const tools = require('./tools');

const AGENT_NAME = 'weather-assistant';
const MODEL = 'gpt-4o-mini';
// The question leaks a (made-up) API key and an email address, as real prompts do.
const DEFAULT_PROMPT =
  'Do I need an umbrella in Paris today? Check our wiki too. ' +
  `My key is ${tools.USER_SECRETS.apiKey} if the wiki asks, and email me at ${tools.USER_SECRETS.email}. ` +
  'My notes: <img src=x onerror=alert(1)> [docs](command:workbench.action.terminal.new)';

const { provider, url, tracer } = setupTelemetry();

/** One tool call in its own execute_tool span (OTel GenAI semantic conventions). */
async function executeTool(call) {
  const name = call.function.name;
  return tracer.startActiveSpan(`execute_tool ${name}`, async (span) => { // @span:execute_tool
    span.setAttributes({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': name,
      'gen_ai.tool.type': 'function',
      'gen_ai.tool.call.id': call.id,
      'gen_ai.tool.call.arguments': call.function.arguments,
    });
    try {
      const result = await tools.runTool(name, JSON.parse(call.function.arguments));
      span.setAttribute('gen_ai.tool.call.result', result);
      return result;
    } catch (err) {
      span.recordException(err);
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(err && err.message) });
      return JSON.stringify({ error: String(err && err.message) });
    } finally {
      span.end();
    }
  });
}

/** The agent loop: ask the model, run the tools it asks for, repeat until it answers. */
async function runAgent(client, prompt) {
  return tracer.startActiveSpan(`invoke_agent ${AGENT_NAME}`, async (span) => { // @span:invoke_agent
    span.setAttributes({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': AGENT_NAME,
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': MODEL,
      'gen_ai.conversation.id': `conv-${process.pid}`,
    });
    const messages = [
      { role: 'system', content: 'You are a helpful weather assistant. Use tools when useful.' },
      { role: 'user', content: prompt },
    ];
    try {
      for (let turn = 0; turn < 5; turn++) {
        const response = await client.chat.completions.create({ model: MODEL, messages, tools: tools.definitions }); // @span:chat
        const message = response.choices[0].message;
        messages.push(message);
        if (!message.tool_calls || message.tool_calls.length === 0) {
          span.setAttribute('gen_ai.output.text', message.content || '');
          return message.content;
        }
        for (const call of message.tool_calls) {
          messages.push({ role: 'tool', tool_call_id: call.id, content: await executeTool(call) });
        }
      }
      throw new Error('no answer after 5 turns');
    } catch (err) {
      span.recordException(err);
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(err && err.message) });
      throw err;
    } finally {
      span.end();
    }
  });
}

async function main() {
  const prompt = process.argv.slice(2).join(' ') || DEFAULT_PROMPT;
  // Not OPENAI_BASE_URL: with the recording proxy's environment in every terminal, the sample would
  // otherwise send its made-up key to the real API. Asking for another endpoint is explicit.
  const external = process.env.SAMPLE_AGENT_MODEL_URL;
  const mock = external ? { baseURL: external, close: async () => undefined } : await startMockModel();
  const client = new OpenAI({ baseURL: mock.baseURL, apiKey: process.env.SAMPLE_AGENT_API_KEY || 'sk-mock-not-a-real-key', maxRetries: 0 });
  let traceId = null;
  let failed = false;
  try {
    await tracer.startActiveSpan('agent run', async (root) => {
      traceId = root.spanContext().traceId;
      try {
        const answer = await runAgent(client, prompt);
        console.log(answer);
      } finally {
        root.end();
      }
    });
  } catch (err) {
    failed = true;
    console.error('agent failed:', err);
  } finally {
    await provider.shutdown(); // flushes the batch to the exporter
    await mock.close();
  }
  console.log(`trace id: ${traceId}`);
  console.log(`exported to ${url}`);
  process.exitCode = failed ? 1 : 0;
}

main();
