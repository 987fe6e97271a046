// The forge HTTP client (src/http/forge-http.ts) against two local servers: answers and their headers,
// redirects followed on the API's own origin only (the credentials never reach another host), and a
// request that gets no answer typed as the forge's Unavailable failure for Temporal to retry.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { forgeRequest, httpRequest } from '../../src/http/forge-http.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

async function serve(handle: (path: string, res: import('node:http').ServerResponse) => void) {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers });
    req.resume().on('end', () => handle(req.url!, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((r) => server.close(() => r())), server };
}

describe('forge HTTP client', () => {
  let other: Awaited<ReturnType<typeof serve>>;
  let api: Awaited<ReturnType<typeof serve>>;
  before(async () => {
    other = await serve((_, res) => res.end('elsewhere'));
    api = await serve((path, res) => {
      if (path === '/moved') return res.writeHead(302, { location: '/file?at=abc' }).end();
      if (path === '/away') return res.writeHead(302, { location: `${other.url}/steal` }).end();
      if (path === '/see-other') return res.writeHead(303, { location: '/done' }).end();
      if (path === '/loop') return res.writeHead(302, { location: '/loop' }).end();
      if (path === '/refused')
        return res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"no"}');
      res.writeHead(200, { 'content-type': 'application/json', 'x-next-page': '2' }).end(JSON.stringify({ path }));
    });
  });
  after(async () => {
    await api.close();
    await other.close();
  });
  beforeEach(() => {
    api.seen.length = 0;
    other.seen.length = 0;
  });
  const auth = { authorization: 'Bearer secret-token' };

  it('answers with status, headers and a JSON body', async () => {
    const res = await httpRequest(`${api.url}/x`, { method: 'GET', headers: auth });
    assert.deepEqual([res.status, res.ok, res.headers.get('X-Next-Page')], [200, true, '2']);
    assert.deepEqual(await res.json(), { path: '/x' });
    assert.equal(res.headers.get('missing'), null);
  });

  it('follows a redirect on the same origin, with the same headers', async () => {
    const res = await httpRequest(`${api.url}/moved`, { method: 'GET', headers: auth });
    assert.deepEqual(await res.json(), { path: '/file?at=abc' });
    assert.deepEqual(
      api.seen.map((s) => [s.url, s.headers.authorization]),
      [
        ['/moved', 'Bearer secret-token'],
        ['/file?at=abc', 'Bearer secret-token'],
      ],
    );
  });

  it('never follows a redirect to another host: the credentials stay home, the 302 is the answer', async () => {
    const res = await httpRequest(`${api.url}/away`, { method: 'GET', headers: auth });
    assert.equal(res.status, 302);
    await res.cancel();
    assert.equal(other.seen.length, 0, 'nothing reached the other host');
  });

  it('a 303 after a POST is read with GET; a redirect loop ends as the last redirect', async () => {
    const res = await httpRequest(`${api.url}/see-other`, { method: 'POST', headers: auth, body: '{}' });
    assert.deepEqual(await res.json(), { path: '/done' });
    assert.deepEqual(
      api.seen.map((s) => s.method),
      ['POST', 'GET'],
    );
    const loop = await httpRequest(`${api.url}/loop`, { method: 'GET', headers: auth });
    assert.equal(loop.status, 302);
    await loop.cancel();
    assert.equal(api.seen.filter((s) => s.url === '/loop').length, 6, 'the first request and five redirects');
  });

  it("forgeRequest: a refusal is what the forge's adapter makes of it; no answer is <forge>Unavailable", async () => {
    await assert.rejects(
      forgeRequest('Acme', 'GET /refused', `${api.url}/refused`, { method: 'GET', headers: auth }, (status, _h, body) =>
        ApplicationFailure.create({ type: `Acme${status}`, message: body, nonRetryable: true }),
      ),
      (err: ApplicationFailure) => err.type === 'Acme404' && err.message === '{"message":"no"}',
    );
    const closed = await serve(() => undefined);
    await closed.close();
    await assert.rejects(
      forgeRequest('Acme', 'GET /x', `${closed.url}/x`, { method: 'GET', headers: auth }, () => new Error('no')),
      (err: ApplicationFailure) =>
        err.type === 'AcmeUnavailable' &&
        /Acme GET \/x got no answer \(ECONNREFUSED\)/.test(err.message) &&
        !err.nonRetryable &&
        !err.message.includes('secret-token'),
    );
  });
});
