"""A local stand-in for the OpenAI chat completions API: no network, no key, same answer every run.

First request: the model asks for the get_weather tool. Once a tool result is in the
conversation: the model answers with it. Serves on 127.0.0.1 on an ephemeral port.
"""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _completion(messages):
    tool_result = next((m for m in messages if m.get('role') == 'tool'), None)
    if tool_result is None:
        message = {'role': 'assistant', 'content': None, 'tool_calls': [{
            'id': 'call_w1', 'type': 'function',
            'function': {'name': 'get_weather', 'arguments': json.dumps({'city': 'Paris'})}}]}
        finish, usage = 'tool_calls', (50, 15)
    else:
        weather = json.loads(tool_result['content'])
        message = {'role': 'assistant', 'content': f"It is {weather['temperature']} and {weather['sky']} in {weather['city']}."}
        finish, usage = 'stop', (90, 12)
    return {'id': 'chatcmpl-mock', 'object': 'chat.completion', 'created': 0, 'model': 'gpt-4o-mini-2024-07-18',
            'choices': [{'index': 0, 'message': message, 'finish_reason': finish}],
            'usage': {'prompt_tokens': usage[0], 'completion_tokens': usage[1], 'total_tokens': sum(usage)}}


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's naming)
        length = int(self.headers.get('content-length') or 0)
        request = json.loads(self.rfile.read(length) or b'{}')
        body = json.dumps(_completion(request.get('messages', []))).encode()
        self.send_response(200)
        self.send_header('content-type', 'application/json')
        self.send_header('content-length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep the agent's output clean
        pass


def start():
    """Starts the mock; returns (base_url, stop)."""
    server = ThreadingHTTPServer(('127.0.0.1', 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f'http://127.0.0.1:{server.server_address[1]}/v1', server.shutdown
