// Sending pre-encoded OTLP/HTTP protobuf exports the way an SDK's batch exporter does: a few
// concurrent keep-alive connections, each posting the next export when its last one is answered.
import * as http from 'node:http';

export interface SendResult {
  /** From the first send to the last 2xx. */
  seconds: number;
  /** 503/429 answers that were retried (the receiver asked the client to back off). */
  retried: number;
  /** The first non-retryable failure, if any; the run stops sending at that point. */
  error?: string;
}

function post(agent: http.Agent, port: number, body: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: '/v1/traces', method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Posts every export once (retrying only retryable answers) with `concurrency` senders. */
export async function sendAll(port: number, exports: readonly Uint8Array[], concurrency: number): Promise<SendResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  let retried = 0;
  let error: string | undefined;
  const started = performance.now();
  let lastOk = started;
  const sender = async () => {
    while (next < exports.length && !error) {
      const body = exports[next++];
      for (;;) {
        let status: number;
        try {
          status = await post(agent, port, body);
        } catch (err) {
          error = `send failed: ${(err as Error).message}`;
          return;
        }
        if (status >= 200 && status < 300) {
          lastOk = performance.now();
          break;
        }
        if (status !== 503 && status !== 429) {
          error = `export answered HTTP ${status}`;
          return;
        }
        retried++;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, sender));
  agent.destroy();
  return { seconds: (lastOk - started) / 1000, retried, error };
}
