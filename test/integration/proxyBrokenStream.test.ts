// A stream the upstream cuts mid-way reaches the client as broken, at the HTTP level (issue 10:
// "a broken stream is passed to the client as broken, not truncated silently"): the client gets
// the bytes that came, then an aborted, incomplete response, never a clean end it could take for
// a short answer. (modelProxy.test.ts checks the same through the OpenAI SDK.)
import assert from 'node:assert/strict';
import http from 'node:http';
import { join } from 'node:path';
import { canonicalize } from '../../src/core/canonicalize';
import { startModelProxy, type ModelProxy } from '../../src/server/proxy/modelProxy';
import { recordingSink } from '../../src/server/proxy/recordingSink';
import { TraceStore } from '../../src/store/traceStore';
import { startMockOpenAi, type MockOpenAi } from '../support/mockOpenAi';
import { waitUntil } from '../support/waitUntil';
import { tempDir } from './storeFixtures';

interface Received {
  status: number;
  bytes: Buffer;
  /** How the response ended for the client: 'end' is a clean end. */
  ending: 'end' | 'aborted' | 'error';
  complete: boolean;
}

/** A raw POST; resolves once the response ends or breaks. */
function post(port: number, path: string, body: string): Promise<Received> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' } }, (res) => {
      const chunks: Buffer[] = [];
      let done = false;
      const finish = (ending: Received['ending']) => {
        if (done) return;
        done = true;
        resolve({ status: res.statusCode ?? 0, bytes: Buffer.concat(chunks), ending, complete: res.complete });
      };
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => finish(res.complete ? 'end' : 'aborted'));
      res.on('aborted', () => finish('aborted'));
      res.on('error', () => finish('error'));
      res.on('close', () => finish(res.complete ? 'end' : 'aborted'));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('recording model proxy: a broken upstream stream', function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof tempDir>;
  let store: TraceStore;
  let openai: MockOpenAi;
  let proxy: ModelProxy;

  beforeEach(async () => {
    tmp = tempDir();
    store = TraceStore.open(join(tmp.dir, 'traces.db'), { canonicalize: (s) => canonicalize(s) });
    const sink = recordingSink(store, () => undefined);
    openai = await startMockOpenAi();
    proxy = await startModelProxy({ host: '127.0.0.1', port: 0, upstreams: { openai: openai.baseUrl.replace(/\/v1$/, ''), anthropic: openai.baseUrl }, onRecording: (r) => { sink.record(r); sink.flush(); }, log: () => undefined });
  });
  afterEach(async () => {
    await proxy.close();
    await openai.close();
    store.close();
    tmp.cleanup();
  });

  it('reaches the client as an aborted, incomplete response with only the bytes that came; a whole stream ends cleanly', async () => {
    const request = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Hi' }] });
    const whole = await post(proxy.port, '/v1/chat/completions', request);
    assert.deepEqual([whole.status, whole.ending, whole.complete], [200, 'end', true], 'the control: an unbroken stream ends cleanly');
    assert.ok(whole.bytes.equals(openai.written[0]!), 'byte for byte');

    openai.breakNextStream = true;
    const broken = await post(proxy.port, '/v1/chat/completions', request);
    assert.equal(broken.status, 200, 'the head had gone out');
    assert.notEqual(broken.ending, 'end', 'not a clean end');
    assert.equal(broken.complete, false, 'the client knows the response is incomplete');
    const wrote = openai.written[1]!;
    assert.ok(wrote.length > 0 && !wrote.toString().includes('[DONE]'), 'the upstream stopped mid-way');
    assert.ok(wrote.subarray(0, broken.bytes.length).equals(broken.bytes), 'what the client got is what the upstream wrote, nothing added');
    assert.ok(!broken.bytes.toString().includes('[DONE]'));

    await waitUntil('the broken call recorded', () => store.recordings.count() >= 2);
    const recorded = store.recordings.list()[1]!;
    assert.match(recorded.error ?? '', /closed the response before it was complete/);
  });
});
