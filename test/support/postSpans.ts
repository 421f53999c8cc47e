// A hand-made OTLP/JSON export (no SDK): for tests that need exact spans — fixed ids, paths and
// times — in a running server's store.
import * as http from 'node:http';
import type { RawSpan } from '../../src/core/model';
import { encodeOtlpJson } from '../../src/core/otlp';

/** POSTs `spans` to http://127.0.0.1:`port`/v1/traces as OTLP/JSON; resolves with the HTTP status. */
export function postSpans(port: number, spans: RawSpan[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/v1/traces', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(JSON.stringify(encodeOtlpJson(spans)));
  });
}
