// The shared start/stop behaviour of our two HTTP servers (httpListen.ts), checked on both: the
// OTLP/HTTP receiver and the model proxy. A request Node cannot parse gets a 400 (not a reset),
// a taken port is a rejected start (EADDRINUSE, so the caller can name the holder), and close()
// ends even while a request is still in progress, dropping its connection.
import assert from 'node:assert/strict';
import net from 'node:net';
import { startHttpReceiver } from '../../src/server/httpReceiver';
import type { IngestSink } from '../../src/server/ingest';
import { startModelProxy } from '../../src/server/proxy/modelProxy';

interface Started { port: number; close(): Promise<void> }

/** These tests send no complete OTLP request: a sink that stores nothing. */
const sink: IngestSink = { write: () => undefined, busy: () => false };

/** An upstream that accepts connections and never answers, so a proxied call stays in progress. */
const silentUpstream = net.createServer((socket) => {
  socket.on('error', () => undefined);
  socket.once('data', () => silentUpstream.emit('request-received'));
});

const silentUpstreamUrl = (): string => `http://127.0.0.1:${(silentUpstream.address() as net.AddressInfo).port}`;

function openSocket(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves once `socket` has received text matching `pattern`. */
function received(socket: net.Socket, pattern: RegExp): Promise<void> {
  let text = '';
  return new Promise((resolve) => {
    socket.on('data', (c: Buffer) => {
      text += c.toString('latin1');
      if (pattern.test(text)) resolve();
    });
  });
}

interface Subject {
  start(port: number): Promise<Started>;
  /** Opens a connection whose request the server is busy with (not idle), once it is. */
  requestInProgress(port: number): Promise<net.Socket>;
}

const subjects: Record<string, Subject> = {
  'OTLP/HTTP receiver': {
    start: (port) => startHttpReceiver({ host: '127.0.0.1', port, sink }),
    async requestInProgress(port) {
      const socket = await openSocket(port);
      // "100 Continue" says the headers were read; the body never comes, so the request stays open.
      const continued = received(socket, /^HTTP\/1\.1 100 Continue\r\n/);
      socket.write('POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n');
      await continued;
      return socket;
    },
  },
  'model proxy': {
    start: (port) => startModelProxy({
      host: '127.0.0.1', port, onRecording: () => undefined, log: () => undefined,
      upstreams: { openai: silentUpstreamUrl(), anthropic: silentUpstreamUrl() },
    }),
    async requestInProgress(port) {
      const forwarded = new Promise<void>((resolve) => silentUpstream.once('request-received', () => resolve()));
      const socket = await openSocket(port);
      socket.write('GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      await forwarded;
      return socket;
    },
  },
};

describe('HTTP servers: listen and close (httpListen)', function () {
  this.timeout(30_000);

  before(async () => { await new Promise<void>((resolve) => silentUpstream.listen(0, '127.0.0.1', () => resolve())); });
  after(async () => {
    silentUpstream.close();
    await new Promise<void>((resolve) => silentUpstream.once('close', () => resolve()));
  });

  for (const [name, subject] of Object.entries(subjects)) {
    describe(name, () => {
      let server: Started;

      beforeEach(async () => { server = await subject.start(0); });
      afterEach(async () => { await server.close(); });

      it('answers a request it cannot parse with 400 and closes the connection', async () => {
        const socket = await openSocket(server.port);
        let reply = '';
        socket.on('data', (c: Buffer) => { reply += c.toString('latin1'); });
        const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
        socket.write('NOT A REQUEST\r\n\r\n');
        await closed;
        assert.match(reply, /^HTTP\/1\.1 400 Bad Request\r\nConnection: close\r\n/);
      });

      it('rejects a start on a port already taken with EADDRINUSE', async () => {
        await assert.rejects(subject.start(server.port), { code: 'EADDRINUSE' });
      });

      it('closes while a request is in progress, dropping its connection', async function () {
        // Without dropping open connections, close() would wait for the request (a minute, or forever).
        this.timeout(10_000);
        const socket = await subject.requestInProgress(server.port);
        socket.on('error', () => undefined);
        const dropped = new Promise<void>((resolve) => socket.once('close', () => resolve()));
        await server.close();
        await dropped;
        server = await subject.start(0); // afterEach closes again
      });
    });
  }
});
