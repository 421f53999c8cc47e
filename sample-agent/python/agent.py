"""A small tool-calling agent traced the way Agent Trace expects from Python.

- the OpenTelemetry contrib OpenAI v2 instrumentation traces every chat call (spans, with the
  messages as log records when OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true);
- the OTLP http/protobuf exporters send spans and logs to Agent Trace (127.0.0.1:4318 unless
  OTEL_EXPORTER_OTLP_ENDPOINT says otherwise);
- agent_trace_source.SourceLocationProcessor stamps each span with the line of this file that
  started it.

Run: pip install -r requirements.txt, copy agent_trace_source.py next to this file (Agent
Trace ships it as dist/sdk/agent_trace_source.py), then `python agent.py`.
"""
import json
import os
import sys

os.environ.setdefault('OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT', 'true')
os.environ.setdefault('OTEL_EXPORTER_OTLP_ENDPOINT', 'http://127.0.0.1:4318')
os.environ.setdefault('OTEL_SERVICE_NAME', 'python-weather-agent')

from openai import OpenAI  # noqa: E402
from opentelemetry import _logs, trace  # noqa: E402
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter  # noqa: E402
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter  # noqa: E402
from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor  # noqa: E402
from opentelemetry.sdk._logs import LoggerProvider  # noqa: E402
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import BatchSpanProcessor  # noqa: E402

import mock_model  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
try:
    from agent_trace_source import SourceLocationProcessor
except ImportError:  # inside the Agent Trace repository: use the shipped file where it is
    sys.path.append(os.path.join(HERE, '..', '..', 'src', 'sdk'))
    from agent_trace_source import SourceLocationProcessor


def setup_telemetry():
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SourceLocationProcessor(root=HERE))  # before the exporter
    tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(tracer_provider)
    logger_provider = LoggerProvider()
    logger_provider.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter()))
    _logs.set_logger_provider(logger_provider)
    OpenAIInstrumentor().instrument()
    return tracer_provider, logger_provider


def get_weather(city):
    return {'city': city, 'temperature': '21\u00b0C', 'sky': 'sunny'}


TOOLS = [{'type': 'function', 'function': {
    'name': 'get_weather', 'description': 'Current weather for a city',
    'parameters': {'type': 'object', 'properties': {'city': {'type': 'string'}}, 'required': ['city']}}}]


def run(question, client, tracer):
    with tracer.start_as_current_span('invoke_agent weather_agent', attributes={
            'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'weather_agent'}) as span:
        messages = [{'role': 'system', 'content': 'Be brief.'}, {'role': 'user', 'content': question}]
        while True:
            reply = client.chat.completions.create(model='gpt-4o-mini', messages=messages, tools=TOOLS).choices[0].message
            if not reply.tool_calls:
                return reply.content, span.get_span_context().trace_id
            messages.append({'role': 'assistant', 'content': None, 'tool_calls': [c.model_dump() for c in reply.tool_calls]})
            for call in reply.tool_calls:
                args = json.loads(call.function.arguments)
                with tracer.start_as_current_span(f'execute_tool {call.function.name}', attributes={
                        'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': call.function.name,
                        'gen_ai.tool.call.id': call.id, 'gen_ai.tool.call.arguments': call.function.arguments}) as tool_span:
                    result = json.dumps(get_weather(**args))  # json.dumps escapes the degree sign: Agent Trace shows it decoded
                    tool_span.set_attribute('gen_ai.tool.call.result', result)
                messages.append({'role': 'tool', 'tool_call_id': call.id, 'content': result})


def main():
    tracer_provider, logger_provider = setup_telemetry()
    base_url, stop_mock = mock_model.start()
    try:
        client = OpenAI(base_url=base_url, api_key='mock-key')
        question = ' '.join(sys.argv[1:]) or "What's the weather in Paris?"
        answer, trace_id = run(question, client, trace.get_tracer('weather_agent'))
        print(answer)
        print(f'trace {trace_id:032x}')
    finally:
        stop_mock()
        tracer_provider.shutdown()  # flushes the spans
        logger_provider.shutdown()


if __name__ == '__main__':
    main()
