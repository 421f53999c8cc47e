// The floor for durable ingest: the least work any design that keeps every span on disk must
// do for an OTLP/HTTP protobuf export. Its own process, like a real receiver:
//   - an HTTP server reading the body,
//   - a protobufjs decode of the ExportTraceServiceRequest,
//   - one row per span (ids, name, times, and the span itself re-encoded as protobuf bytes)
//     inserted into SQLite in WAL mode, synchronous=NORMAL (as our store), in one transaction
//     per export, committed before the 200 is sent.
// No normalization, no search text, no summaries, no index (a rowid table: spans of one trace
// arrive together, so they land next to each other anyway; a WITHOUT ROWID table keyed by ids
// would push ~1 KB rows into overflow pages and triple the file). A real store does more,
// so a real store at 1.0x this floor is as fast as SQLite-backed ingest gets in Node.
// Usage: node --import tsx bench/ingestFloor.ts --db FILE [--port 0]; prints "floor listening on PORT".
import Database from 'better-sqlite3';
import * as http from 'node:http';
import { parseArgs } from 'node:util';
import { otlpRoot, otlpType, TYPE } from '../src/core/otlp';

const { values } = parseArgs({ options: { db: { type: 'string' }, port: { type: 'string', default: '0' } } });
if (!values.db) throw new Error('--db FILE is required');

const db = new Database(values.db);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec(`CREATE TABLE IF NOT EXISTS spans (
  trace_id BLOB NOT NULL, span_id BLOB NOT NULL, name TEXT NOT NULL,
  start_ns INTEGER NOT NULL, end_ns INTEGER NOT NULL, body BLOB NOT NULL)`);
const insert = db.prepare('INSERT INTO spans VALUES (?, ?, ?, ?, ?, ?)');

const Request = otlpType(TYPE.traceRequest);
const Span = otlpRoot().lookupType('opentelemetry.proto.trace.v1.Span');

// Our schema keeps the .proto field names (snake_case).
interface DecodedSpan {
  trace_id: Uint8Array;
  span_id: Uint8Array;
  name: string;
  start_time_unix_nano: { toString(): string };
  end_time_unix_nano: { toString(): string };
}
interface DecodedRequest {
  resource_spans?: { scope_spans?: { spans?: DecodedSpan[] }[] }[];
}

const store = db.transaction((request: DecodedRequest) => {
  for (const rs of request.resource_spans ?? [])
    for (const ss of rs.scope_spans ?? [])
      for (const s of ss.spans ?? [])
        insert.run(s.trace_id, s.span_id, s.name, BigInt(s.start_time_unix_nano.toString()), BigInt(s.end_time_unix_nano.toString()), Span.encode(s as never).finish());
});

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/v1/traces') {
    res.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    try {
      store(Request.decode(Buffer.concat(chunks)) as unknown as DecodedRequest);
      res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 }).end();
    } catch (err) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(String(err));
    }
  });
});

server.listen(Number(values.port), '127.0.0.1', () => {
  const address = server.address();
  console.log(`floor listening on ${typeof address === 'object' && address ? address.port : '?'}`);
});

process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  db.close();
  process.exit(0);
});
