// The ingress's /metrics on a public endpoint: requests nobody verified (GET, HEAD, unsigned POSTs) and
// verified deliveries of events GitHub does not send add no series, whatever X-GitHub-Event they carry.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { Registry } from 'prom-client';
import { configStore, type ConfigStore } from '../../src/config/config-store.js';
import { example } from '../../src/fixtures/webhook-examples.js';
import { createIngress } from '../../src/ingress/app.js';
import type { Dispatcher } from '../../src/ingress/dispatch.js';
import { listen } from '../../src/ingress/listen.js';
import { sign } from '../../src/ingress/signature.js';
import { createLogger } from '../../src/log.js';
import { TEST_CONFIG, TEST_SECRET } from '../harness/stack.js';

/** Label sets of the ingress's own series (`name{labels}` lines of the exposition). */
function series(text: string): string[] {
  return text.split('\n').filter((l) => l.startsWith('aof_webhook_'));
}

describe('ingress metrics on the public endpoint', () => {
  let store: ConfigStore;
  let server: Server;
  let base: string;
  const started: string[] = [];

  before(async () => {
    process.env.AOF_TEST_WEBHOOK_SECRET = TEST_SECRET;
    process.env.AOF_TEST_GITHUB_TOKEN = 'ghs_test_installation_token';
    store = configStore(TEST_CONFIG);
    const dispatch: Dispatcher = async (input) => {
      started.push(input.deliveryId);
      return { status: 'started', workflowId: `wf-${input.deliveryId}` };
    };
    const app = createIngress({
      resources: store.current,
      dispatch,
      logger: createLogger('test', 'silent'),
      ready: async () => true,
      metrics: new Registry(),
    });
    server = await listen(app, 0, '127.0.0.1', 10);
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(async () => {
    await new Promise((r) => server?.close(r));
    store?.close?.();
  });

  const metrics = async () => (await fetch(`${base}/metrics`)).text();
  /** A made-up event name that looks like GitHub's (lower case and underscores). */
  const madeUp = () =>
    `x_${randomBytes(6)
      .toString('hex')
      .replace(/[0-9]/g, (d) => 'abcdefghij'[Number(d)]!)}`;
  const send = (method: string, event: string, body?: string, headers: Record<string, string> = {}) =>
    fetch(`${base}/webhook/github`, {
      method,
      body,
      headers: { 'x-github-event': event, 'x-github-delivery': randomUUID(), ...headers },
    }).then(async (r) => (await r.arrayBuffer(), r.status));
  const signedPost = (event: string, payload: unknown) => {
    const body = JSON.stringify(payload);
    return send('POST', event, body, { 'x-hub-signature-256': sign(TEST_SECRET, body) });
  };
  /** One request of each kind anyone can send, each with a new event name. */
  const round = async (names: string[]) => {
    const statuses = [];
    for (const method of ['GET', 'HEAD']) statuses.push(await send(method, names[0]!));
    statuses.push(await send('POST', names[1]!, '{}'));
    statuses.push(await send('POST', names[2]!, '{}', { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` }));
    // Correctly signed (by someone with the secret), but not an event GitHub sends.
    statuses.push(await signedPost(names[3]!, { zen: 'hi' }));
    return statuses;
  };

  it('labels a verified delivery with its event; anything else adds no series, whatever it claims', async () => {
    assert.equal(await signedPost('pull_request', example('pull_request', 'opened')), 201);
    assert.deepEqual(await round([madeUp(), madeUp(), madeUp(), madeUp()]), [404, 404, 401, 401, 202]);
    const bound = series(await metrics()).length;

    const names: string[] = [];
    for (let i = 0; i < 60; i++) {
      const batch = [madeUp(), madeUp(), madeUp(), madeUp()];
      names.push(...batch);
      await round(batch);
    }
    const text = await metrics();
    assert.equal(series(text).length, bound, 'no series beyond those of the first round');
    for (const name of names) assert.ok(!text.includes(name), `${name} became a label`);

    // The verified delivery kept its event; the rest are counted, under fixed labels.
    assert.match(text, /aof_webhook_deliveries_total\{event="pull_request",status="201"\} 1/);
    assert.match(text, /aof_webhook_deliveries_total\{event="unverified",status="404"\} 122/);
    assert.match(text, /aof_webhook_deliveries_total\{event="unverified",status="401"\} 122/);
    assert.match(text, /aof_webhook_deliveries_total\{event="other",status="202"\} 61/);
    assert.equal(started.length, 1);
    assert.match(text, /aof_webhook_routing_total\{event="pull_request",outcome="started"\} 1/);
  });
});
