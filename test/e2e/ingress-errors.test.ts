// What GitHub sees in its delivery log when something is wrong: status and reason, nothing started.
import assert from 'node:assert/strict';
import { Client, Connection } from '@temporalio/client';
import { request } from 'node:http';
import { example } from '../../src/fixtures/webhook-examples.js';
import { createDispatcher } from '../../src/ingress/dispatch.js';
import { sign } from '../../src/ingress/signature.js';
import { startStack, TEST_SECRET, type Stack } from '../harness/stack.js';

describe('ingress: bad input is refused with a clear status and reason', function () {
  let stack: Stack;
  before(async () => (stack = await startStack({ withWorker: false })));
  after(async () => stack?.stop());

  const post = (headers: Record<string, string>, body: string) =>
    fetch(`${stack.url}/webhook/github`, { method: 'POST', headers, body }).then(async (r) => ({
      status: r.status,
      body: (await r.json()) as any,
    }));
  const signed = (body: string) => ({
    'x-hub-signature-256': sign(TEST_SECRET, body),
    'content-type': 'application/json',
  });

  it('400 without X-GitHub-Event', async () => {
    const r = await post({ ...signed('{}'), 'x-github-delivery': 'abc' }, '{}');
    assert.equal(r.status, 400);
    assert.match(r.body.error, /X-GitHub-Event/);
  });

  it('400 without X-GitHub-Delivery', async () => {
    const r = await post({ ...signed('{}'), 'x-github-event': 'push' }, '{}');
    assert.equal(r.status, 400);
    assert.match(r.body.error, /X-GitHub-Delivery/);
  });

  it('401 without a signature', async () => {
    const r = await post({ 'x-github-event': 'push', 'x-github-delivery': 'd1' }, '{}');
    assert.equal(r.status, 401);
    assert.match(r.body.error, /missing X-Hub-Signature-256/);
  });

  it('400 for malformed JSON that is correctly signed', async () => {
    const body = '{"action": "opened",';
    const r = await post({ ...signed(body), 'x-github-event': 'pull_request', 'x-github-delivery': 'd2' }, body);
    assert.equal(r.status, 400);
    assert.match(r.body.error, /malformed JSON/);
  });

  it('verifies the exact bytes: a BOM or re-serialised body does not pass', async () => {
    const body = JSON.stringify(example('pull_request', 'opened'));
    const r = await post(
      { ...signed(body), 'x-github-event': 'pull_request', 'x-github-delivery': 'd3' },
      '\uFEFF' + body,
    );
    assert.equal(r.status, 401);
  });

  it('413 for a declared body over 25 MB, without reading it', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${stack.url}/webhook/github`, {
        method: 'POST',
        headers: { 'x-github-event': 'push', 'x-github-delivery': 'd4', 'content-length': String(26 * 1024 * 1024) },
      });
      req.on('response', (res) => resolve(res.statusCode!));
      req.on('error', reject);
      req.write('{"a":'); // the rest never comes: the answer must not wait for it
    });
    assert.equal(status, 413);
  });

  it('413 for a chunked body that grows past the limit', async () => {
    const big = Buffer.alloc(26 * 1024 * 1024, 0x20);
    const r = await fetch(`${stack.url}/webhook/github`, {
      method: 'POST',
      headers: { 'x-github-event': 'push', 'x-github-delivery': 'd5' }, // a stream body goes chunked, with no length
      body: new ReadableStream({
        start(c) {
          for (let i = 0; i < big.length; i += 1 << 20) c.enqueue(big.subarray(i, i + (1 << 20)));
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit).catch((e) => e as Error);
    // Either the 413 arrives, or the server closed the connection after answering it.
    if (r instanceof Response) assert.equal(r.status, 413);
    else assert.match(String((r as Error).cause ?? r), /other side closed|ECONNRESET|EPIPE|terminated/i);
  });

  it('accepts a body just under 25 MB', async () => {
    const payload = example('pull_request', 'opened');
    payload.pull_request.body = 'x'.repeat(24 * 1024 * 1024);
    const r = await stack.send('pull_request', payload);
    assert.ok([200, 201].includes(r.status), `status ${r.status}`);
  });

  it('503 when Temporal is unreachable, so GitHub shows a delivery to redeliver', async () => {
    const unreachable = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
    const down = await startStack({ withWorker: false, dispatch: createDispatcher(unreachable, 'nowhere', 1500) });
    try {
      const r = await down.send('pull_request', example('pull_request', 'opened'));
      assert.equal(r.status, 503);
      assert.match(r.body.error, /Temporal is unavailable/);
    } finally {
      await down.stop();
    }
  });
});
