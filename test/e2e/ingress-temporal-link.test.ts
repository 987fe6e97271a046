// `aofctl serve` as a process against a Temporal that is not there yet, then stalls, then comes back (a
// TCP proxy in front of the test's server plays each). GitHub waits 10 s for an answer and shows a 5xx as
// a delivery to redeliver, so the ingress must answer 503 in time, and a redelivery must start exactly
// one workflow once Temporal answers again.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { example } from '../../src/fixtures/webhook-examples.js';
import { sign } from '../../src/ingress/signature.js';
import { GitHubSandbox } from '../../src/sandbox/github/server.js';
import { agentYaml, configDir, daemonYaml, triggerYaml } from '../harness/config-dir.js';
import { freePort } from '../harness/free-port.js';
import { startIngressProcess, type IngressProcess } from '../harness/ingress-process.js';
import { tcpProxy, type TcpProxy } from '../harness/tcp-proxy.js';
import { testTemporal } from '../harness/temporal.js';
import { until as waitUntil } from '../harness/until.js';

const SECRET = 'link-secret';
// GitHub waits 10 s for an answer; the ingress gives Temporal 5 s (its dispatch timeout), and answers
// 503 then, whatever the client is still retrying. The slack covers a busy machine's timers.
const ANSWERED_WITHIN_MS = 5000 + 1500;

describe('the ingress process and its Temporal connection', function () {
  this.timeout(120_000);
  const sandbox = new GitHubSandbox();
  let ingress: IngressProcess | undefined;
  let proxy: TcpProxy | undefined;
  let dir: string | undefined;

  after(async () => {
    await ingress?.kill();
    await proxy?.close();
    await sandbox.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 in time before Temporal is up, while it stalls and while it is down; redeliveries then start one workflow each', async () => {
    const temporal = await testTemporal();
    dir = configDir({
      'daemon.yaml': daemonYaml('webhook_secret_env: AOF_LINK_SECRET\ntoken_env: AOF_LINK_TOKEN'),
      'agents/a.yaml': agentYaml('helper'),
      'triggers/t.yaml': triggerYaml('issues', 'config:\n  github_events: [issues]\ndefault_agent: helper'),
    });
    const temporalPort = await freePort(); // nothing listens there yet
    ingress = await startIngressProcess(join(dir, 'daemon.yaml'), await freePort(), {
      TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
      AOF_TASK_QUEUE: `aof-link-${randomUUID().slice(0, 8)}`,
      GITHUB_API_URL: await sandbox.start(),
      AOF_LINK_SECRET: SECRET,
      AOF_LINK_TOKEN: 'ghs_test_installation_token',
    });
    const body = JSON.stringify(example('issues', 'opened'));
    sandbox.addIssuesOf(JSON.parse(body)); // the issue exists on GitHub: the agent's comment is not 404
    const deliver = async (id: string) => {
      const started = Date.now();
      const res = await fetch(`${ingress!.url}/webhook/github`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'issues',
          'x-github-delivery': id,
          'x-hub-signature-256': sign(SECRET, body),
        },
        body,
      });
      return { status: res.status, body: (await res.json()) as { error?: string }, ms: Date.now() - started };
    };
    const ready = async () => (await fetch(`${ingress!.url}/ready`)).status;
    const until = (what: string, check: () => Promise<boolean>) =>
      waitUntil(what, check, { everyMs: 250, detail: () => ingress!.output() });
    // Runs of the delivery's workflow, once visibility lists any (it trails the start a little).
    const count = async (id: string) =>
      (await temporal.client.workflow.count(`WorkflowId = 'github-delivery-${id}'`)).count;
    const workflows = async (id: string) => {
      await until(`the workflow of ${id} listed`, async () => (await count(id)) > 0);
      return count(id);
    };

    // Not there yet: listening already, not ready, deliveries refused as redeliverable.
    const early = await deliver(randomUUID());
    assert.equal(early.status, 503);
    assert.match(early.body.error!, /Temporal is unavailable/);
    assert.equal(await ready(), 503);

    proxy = await tcpProxy(temporal.address, temporalPort);
    await until('the ingress ready', async () => (await ready()) === 200);
    const id = randomUUID();
    assert.equal((await deliver(id)).status, 201);
    assert.equal(await workflows(id), 1);
    // Tracing is off here: the start carries no trace header.
    const started = (await temporal.client.workflow.getHandle(`github-delivery-${id}`).fetchHistory()).events![0]!;
    assert.deepEqual(Object.keys(started.workflowExecutionStartedEventAttributes!.header?.fields ?? {}), []);

    // Stalled: connections stay open and nothing answers. The answer still comes in time.
    proxy.stall();
    const stalledId = randomUUID();
    const stalled = await deliver(stalledId);
    assert.equal(stalled.status, 503, JSON.stringify(stalled.body));
    assert.match(stalled.body.error!, /Temporal is unavailable/);
    assert.ok(stalled.ms < ANSWERED_WITHIN_MS, `answered after ${stalled.ms} ms`);
    assert.equal(await ready(), 503);

    // Down: connections refused, which the SDK core's client retries for about 10 s whatever the deadline.
    await proxy.close();
    const downId = randomUUID();
    const down = await deliver(downId);
    assert.equal(down.status, 503, JSON.stringify(down.body));
    assert.ok(down.ms < ANSWERED_WITHIN_MS, `answered after ${down.ms} ms`);

    // Back: the connection recovers without a restart, and redeliveries of the refused deliveries start
    // their workflows once (201, or 200 when a refused start reached Temporal after all).
    proxy = await tcpProxy(temporal.address, temporalPort);
    for (const refused of [stalledId, downId]) {
      let last = 503;
      await until('the redelivery accepted', async () => {
        last = (await deliver(refused)).status;
        return last !== 503;
      });
      assert.ok([200, 201].includes(last), `status ${last}`);
      assert.equal((await deliver(refused)).status, 200, 'a second redelivery is a duplicate');
      assert.equal(await workflows(refused), 1);
    }
    assert.equal(await workflows(id), 1);
  });
});
