// OpenTelemetry setup for the sample agent: the official SDK and OTLP/protobuf exporter, the
// OpenLLMetry OpenAI instrumentation (message capture on), async context, and Agent Trace's
// source-location processor so every span links back to the line that started it.
//
// Dependencies resolve from the nearest node_modules up the folder tree: inside the Agent
// Trace repository that is the repo's own node_modules; for a copy elsewhere, symlink or
// install them (see README.md).
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { context, trace } = require('@opentelemetry/api');
const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
const { TracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace');
const { detectResources, envDetector, resourceFromAttributes } = require('@opentelemetry/resources');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
const { OpenAIInstrumentation } = require('@traceloop/instrumentation-openai');

const LIB = path.join(__dirname, 'lib', 'sourceLocationProcessor.js');

/** The processor is TypeScript in the repo (src/sdk); lib/ holds a built copy (scripts/build-sample-agent.mjs). */
function loadSourceLocationProcessor() {
  if (!fs.existsSync(LIB)) {
    const src = path.join(__dirname, '..', 'src', 'sdk', 'sourceLocationProcessor.ts');
    if (!fs.existsSync(src)) throw new Error(`${LIB} is missing: run "node scripts/build-sample-agent.mjs" in the Agent Trace repo`);
    // Built beside and renamed into place: agents started together (a batch) never read a half-written file.
    const tmp = `${LIB}.${process.pid}.tmp`;
    require('esbuild').buildSync({ entryPoints: [src], outfile: tmp, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' });
    fs.renameSync(tmp, LIB);
  }
  return require(LIB).sourceLocationProcessor;
}

function tracesUrl() {
  if (process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = (process.env.OTEL_EXPORTER_OTLP_ENDPOINT || 'http://127.0.0.1:4318').replace(/\/+$/, '');
  return `${base}/v1/traces`;
}

function setupTelemetry() {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const sourceLocationProcessor = loadSourceLocationProcessor();
  const url = tracesUrl();
  const provider = new TracerProvider({
    // OTEL_RESOURCE_ATTRIBUTES joins the resource: `agent-trace batch run` tags each run's batch there,
    // and a run forked by "Re-run from this step…" names its original there.
    resource: resourceFromAttributes({ 'service.name': process.env.OTEL_SERVICE_NAME || 'sample-agent' }).merge(
      detectResources({ detectors: [envDetector] }),
    ),
    spanProcessors: [
      sourceLocationProcessor(),
      // Short delay: spans reach the viewer while the agent is still running.
      new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url }), scheduledDelayMillis: 200 }),
    ],
  });
  trace.setGlobalTracerProvider(provider);

  const instrumentation = new OpenAIInstrumentation({ traceContent: true });
  instrumentation.setTracerProvider(provider);
  // openai 5+ is outside the instrumentation's automatic version range: patch the module we use.
  instrumentation.manuallyInstrument(require('openai'));

  return { provider, url, tracer: trace.getTracer('sample-agent', '0.1.0') };
}

module.exports = { setupTelemetry };
