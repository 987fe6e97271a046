// The DaemonConfig's server keys do what they say: cors, timeout_secs, and platforms.github.enabled.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { example } from '../../src/fixtures/webhook-examples.js';
import { loadConfig } from '../../src/config/load.js';
import { agentYaml, configDir, daemonYaml, triggerYaml } from '../harness/config-dir.js';
import { startStack, type Stack } from '../harness/stack.js';

describe('server settings', function () {
  this.timeout(60_000);
  let stack: Stack;
  let dir: string;
  const daemon = (enabled: boolean) =>
    daemonYaml(
      `webhook_secret_env: AOF_TEST_WEBHOOK_SECRET\nenabled: ${enabled}`,
      '  server: {cors: true, timeout_secs: 1}\n',
    );
  before(async () => {
    dir = configDir({
      'daemon.yaml': daemon(true),
      'agents/a.yaml': agentYaml('helper'),
      'triggers/t.yaml': triggerYaml('t', 'config:\n  github_events: [issues]\ndefault_agent: helper'),
    });
    stack = await startStack({ config: join(dir, 'daemon.yaml'), withWorker: false });
  });
  after(async () => stack?.stop());

  it('cors: true answers preflights and marks responses for other origins', async () => {
    const pre = await fetch(`${stack.url}/health`, {
      method: 'OPTIONS',
      headers: { origin: 'https://status.example.com', 'access-control-request-method': 'GET' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), '*');
    assert.match(pre.headers.get('access-control-allow-methods') ?? '', /GET/);
    const health = await fetch(`${stack.url}/health`, { headers: { origin: 'https://status.example.com' } });
    assert.equal(health.headers.get('access-control-allow-origin'), '*');
  });

  it('timeout_secs: a client that stops sending its request gets 408 after that many seconds', async () => {
    const { port } = new URL(stack.url);
    const started = Date.now();
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () =>
        // Announces 100 bytes and sends 2: a stalled upload.
        socket.write(
          'POST /webhook/github HTTP/1.1\r\nhost: x\r\nx-github-event: issues\r\nx-github-delivery: stalled-1\r\n' +
            'x-hub-signature-256: sha256=00\r\ncontent-length: 100\r\n\r\n{}',
        ),
      );
      let data = '';
      socket.on('data', (d) => (data += d));
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
      setTimeout(() => reject(new Error('no answer within 10 s')), 10_000).unref();
    });
    assert.match(answer, /^HTTP\/1\.1 408/);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 900 && elapsed < 5000, `answered after ${elapsed} ms`);
  });

  it('platforms.github.enabled: false turns the webhook endpoint off with 404 (hot reloaded)', async () => {
    assert.equal((await stack.send('issues', example('issues', 'opened'))).status, 201);
    const reloaded = stack.store.nextReload();
    writeFileSync(join(dir, 'daemon.yaml'), daemon(false));
    assert.equal((await reloaded).ok, true);
    const r = await stack.send('issues', example('issues', 'opened'));
    assert.equal(r.status, 404);
    assert.match(r.body.error, /disabled \(platforms\.github\.enabled: false\)/);
    assert.equal(
      (await stack.send('issues', example('issues', 'opened'), { path: '/webhook/github/octo' })).status,
      404,
    );
    assert.equal((await fetch(`${stack.url}/health`)).status, 200);
  });

  it("the reference's runtime.task_timeout_secs and agent memory load without warnings; a memory store that does not exist is an error at its line", () => {
    const ok = configDir({
      'daemon.yaml': daemonYaml('webhook_secret_env: S', '  runtime: {task_timeout_secs: 300}\n'),
      'agents/a.yaml': agentYaml('helper') + '  memory: "File:./github-cache.json:1000"\n',
    });
    const r = loadConfig(join(ok, 'daemon.yaml'));
    assert.deepEqual(r.warnings, []);
    assert.equal(r.daemon.spec.runtime.task_timeout_secs, 300);

    const bad = configDir({
      'daemon.yaml': daemonYaml('webhook_secret_env: S'),
      'agents/a.yaml': agentYaml('helper') + '  memory: "Redis:localhost:6379"\n',
    });
    assert.throws(
      () => loadConfig(join(bad, 'daemon.yaml')),
      (e: Error) =>
        /a\.yaml:6:\d+: spec\.memory: unsupported memory "Redis:localhost:6379": only File:<path>\[:<conversations kept>\] is supported/.test(
          e.message,
        ),
    );
  });
});
