// The headline promise: request a deploy, kill the worker, restart the Temporal server (state in a db
// file), start a worker again, then `/approve`: the deploy hook is called exactly once and the PR shows
// the result. Every part is real and separate: ingress over HTTP, a worker process, the dev server.
import assert from 'node:assert/strict';
import { Client, Connection } from '@temporalio/client';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configStore } from '../../src/config/config-store.js';
import { example } from '../../src/fixtures/webhook-examples.js';
import { createIngress } from '../../src/ingress/app.js';
import { createDispatcher } from '../../src/ingress/dispatch.js';
import { sign } from '../../src/ingress/signature.js';
import { createLogger } from '../../src/log.js';
import { GitHubSandbox } from '../../src/sandbox/github/server.js';
import { startDevServer } from '../../src/temporal/dev-server.js';
import { configDir, daemonYaml, triggerYaml } from '../harness/config-dir.js';
import { freePort } from '../harness/free-port.js';
import { startWorkerProcess, type WorkerProcess } from '../harness/worker-process.js';

describe('a deploy survives restarts of every process', function () {
  this.timeout(180_000);
  const secret = 'durability-secret';
  const state = mkdtempSync(join(tmpdir(), 'aof-durable-'));
  const deploys: string[] = [];
  const cleanup: (() => Promise<unknown> | void)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
    rmSync(state, { recursive: true, force: true });
  });

  it('waits through a worker kill and a server restart, then deploys exactly once', async () => {
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const db = join(state, 'temporal.db');
    let server = await startDevServer({ dbFilename: db, port });
    cleanup.push(() => server.teardown());

    const sandbox = new GitHubSandbox();
    await sandbox.start();
    cleanup.push(() => sandbox.stop());
    sandbox.permissions.set('myorg/api:alice', 'admin');
    const hook: Server = createHttpServer((req, res) => {
      deploys.push(String(req.headers['idempotency-key']));
      res.end('ok');
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    cleanup.push(() => void hook.close());

    const dir = configDir({
      'daemon.yaml': daemonYaml(
        'webhook_secret_env: AOF_DURABLE_SECRET\ntoken_env: AOF_DURABLE_TOKEN',
        '  flows: {directory: flows}\n  temporal: {task_queue: durable, github_task_queue: durable-github}\n',
      ),
      'flows/f.yaml': `apiVersion: aof.dev/v1\nkind: AgentFlow\nmetadata: {name: deploy}\nspec:\n  nodes:\n    - {id: start, type: approval}\n    - {id: deploy, type: http, config: {url: "http://127.0.0.1:${(hook.address() as { port: number }).port}/deploy"}}\n    - {id: done, type: end, config: {status: deployed}}\n  connections:\n    - {from: start, to: deploy, when: "start.output == 'approved'"}\n    - {from: deploy, to: done}\n`,
      'triggers/t.yaml': triggerYaml(
        'd',
        'config:\n  github_events: [issue_comment]\ncommands:\n  /deploy production: {flow: deploy, params: {approvers: [alice], environment: production}}',
      ),
    });
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    process.env.AOF_DURABLE_SECRET = secret;
    const store = configStore(join(dir, 'daemon.yaml'));
    cleanup.push(() => store.close());
    const connection = await Connection.connect({ address });
    cleanup.push(() => connection.close());
    const client = new Client({ connection });
    const app = createIngress({
      resources: store.current,
      dispatch: createDispatcher(client, 'durable'),
      logger: createLogger('test', 'silent'),
      ready: async () => true,
    });
    const http = app.listen(0, '127.0.0.1');
    await new Promise<void>((r) => http.once('listening', r));
    cleanup.push(() => new Promise((r) => (http.closeAllConnections(), http.close(r))));
    const ingress = `http://127.0.0.1:${(http.address() as { port: number }).port}/webhook/github`;

    const workerEnv = {
      TEMPORAL_ADDRESS: address,
      GITHUB_API_URL: sandbox.url,
      AOF_DURABLE_TOKEN: 'ghs_durable',
      AOF_DURABLE_SECRET: secret,
    };
    const workers: WorkerProcess[] = [];
    cleanup.push(async () => {
      for (const w of workers) await w.kill();
    });
    workers.push(await startWorkerProcess(join(dir, 'daemon.yaml'), workerEnv));

    const pr = example('pull_request', 'opened');
    sandbox.addPull('myorg', 'api', {
      ...pr.pull_request,
      number: 9,
      head: { ...pr.pull_request.head, sha: 'd'.repeat(40) },
    });
    const comment = (body: string, login: string) => {
      const c = example('issue_comment', 'created');
      Object.assign(c.repository, { full_name: 'myorg/api', name: 'api' });
      c.repository.owner.login = 'myorg';
      c.issue.number = 9;
      c.issue.pull_request = { url: 'x', html_url: 'y' };
      c.comment.body = body;
      c.comment.id = Math.floor(Math.random() * 1e9);
      c.sender.login = login;
      const raw = JSON.stringify(c);
      return fetch(ingress, {
        method: 'POST',
        body: raw,
        headers: {
          'x-github-event': 'issue_comment',
          'x-github-delivery': crypto.randomUUID(),
          'x-hub-signature-256': sign(secret, raw),
        },
      });
    };
    const waitFor = async (pred: () => boolean, what: string) => {
      for (let i = 0; i < 600; i++) {
        if (pred()) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`timed out waiting for ${what}`);
    };

    assert.equal((await comment('/deploy production', 'carol')).status, 201);
    await waitFor(
      () => sandbox.comments.some((c) => c.body.includes('Deploy to `production` requested')),
      'the plan comment',
    );

    await workers[0]!.kill('SIGKILL');
    await server.teardown();
    server = await startDevServer({ dbFilename: db, port });
    workers.push(await startWorkerProcess(join(dir, 'daemon.yaml'), workerEnv));

    const approved = await comment('/approve', 'alice');
    assert.equal(approved.status, 202, await approved.text());
    await waitFor(
      () => sandbox.comments.some((c) => c.body.startsWith('### Flow `deploy` for `production`: deployed')),
      'the result comment',
    );
    assert.equal(deploys.length, 1, `deploy hook calls: ${deploys.join(', ')}`);
    assert.match(sandbox.comments.at(-1)!.body, /\| @alice \| .* \| `ddddddd` \| admin \| listed as alice \|/);
  });
});
