// The floor for bench/proxy.ts: the least a Node forwarding proxy can do (node:http, a
// keep-alive agent, bodies piped both ways, no checks, no copy, no recording).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const base = new URL(process.argv[2]!);
const agent = new http.Agent({ keepAlive: true });
const server = http.createServer((req, res) => {
  const upstream = http.request({ host: base.hostname, port: base.port, path: req.url, method: req.method, headers: { ...req.headers, host: base.host }, agent }, (ures) => {
    res.writeHead(ures.statusCode ?? 502, ures.headers);
    ures.pipe(res);
  });
  req.pipe(upstream);
});
server.listen(0, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`));
