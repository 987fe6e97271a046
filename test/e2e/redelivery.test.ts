// Recovery of missed deliveries: the redelivery schedule lists the sandbox's hook deliveries (the App's
// hook with an App JWT, a repository hook with a token), redelivers each failed one inside GitHub's window
// once, and the redelivered payload reaches the ingress and has its effect once.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { example } from '../../src/fixtures/webhook-examples.js';
import { workerMetrics } from '../../src/telemetry/worker-metrics.js';
import { redeliveryScheduleId, syncRedeliverySchedule } from '../../src/worker/redelivery-schedule.js';
import type { HookRedeliveryResult } from '../../workflows/redeliver.js';
import { agentYaml, configDir, daemonYaml, triggerYaml } from '../harness/config-dir.js';
import { startStack, TEST_SECRET, type Stack } from '../harness/stack.js';
import { startWorkerProcess, workerEnvFor, type WorkerProcess } from '../harness/worker-process.js';

const HOUR = 3600_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

const redelivery = (interval: number, enabled = true) =>
  `redelivery:\n  enabled: ${enabled}\n  interval_minutes: ${interval}\n  hooks:\n    - app: true\n    - repository: octo/hooks\n      hook_id: 9`;

const daemon = (interval: number, enabled = true) =>
  daemonYaml(
    'token_env: AOF_TEST_GITHUB_TOKEN\nwebhook_secret_env: AOF_TEST_WEBHOOK_SECRET\n' +
      `app:\n  app_id: 5151\n  private_key_path: ./app-key.pem\n${redelivery(interval, enabled)}`,
  );

const issue = (n: number) => {
  const p = example('issues', 'opened');
  p.issue.number = n;
  return p;
};

describe('redelivery of failed webhook deliveries', function () {
  this.timeout(120_000);
  let stack: Stack;
  let dir: string;
  const metrics = workerMetrics();

  before(async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    dir = configDir({
      'daemon.yaml': daemon(60),
      'agents/a.yaml': agentYaml('helper'),
      'triggers/t.yaml': triggerYaml('issues', 'config:\n  github_events: [issues]\ndefault_agent: helper'),
    });
    writeFileSync(join(dir, 'app-key.pem'), privateKey.export({ type: 'pkcs1', format: 'pem' }));
    stack = await startStack({ config: join(dir, 'daemon.yaml'), metrics });
    stack.sandbox.registerApp(5151, publicKey.export({ type: 'spki', format: 'pem' }) as string);
  });
  after(async () => {
    await stack?.client.schedule
      .getHandle(redeliveryScheduleId(stack.resources.daemon.spec.temporal.task_queue))
      .delete()
      .catch(() => undefined);
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Triggers the schedule now and waits for that run's result. */
  async function runOnce(): Promise<HookRedeliveryResult[]> {
    const t = stack.resources.daemon.spec.temporal;
    const handle = stack.client.schedule.getHandle(redeliveryScheduleId(t.task_queue));
    const before = (await handle.describe()).info.recentActions.length;
    await handle.trigger();
    for (let i = 0; i < 200; i++) {
      const recent = (await handle.describe()).info.recentActions;
      if (recent.length > before) {
        const run = recent[recent.length - 1]!.action.workflow;
        return stack.client.workflow.getHandle(run.workflowId, run.firstExecutionRunId).result();
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the schedule did not start a run');
  }

  const commentsOn = (n: number) => stack.sandbox.commentsOn('Codertocat', 'Hello-World', n).length;

  it('redelivers each failed delivery of the last 3 days once, and the redelivery has its effect once', async () => {
    const d = stack.sandbox.deliveries;
    d.setTarget('app', { url: `${stack.url}/webhook/github`, secret: TEST_SECRET });
    const seed = (n: number, status_code: number, at: number, extra = {}) =>
      d.add('app', {
        event: 'issues',
        action: 'opened',
        payload: issue(n),
        status_code,
        delivered_at: ago(at),
        ...extra,
      });
    const failed = seed(101, 502, 1 * HOUR); // on the second page, behind the successes below
    seed(102, 200, 1 * HOUR);
    seed(103, 500, 4 * 24 * HOUR); // outside GitHub's window
    const fixed = seed(104, 500, 2 * HOUR);
    seed(104, 200, 1.5 * HOUR, { guid: fixed.guid, redelivery: true }); // redelivered already, with success
    const retried = seed(105, 502, 2 * HOUR);
    seed(105, 504, 1.5 * HOUR, { guid: retried.guid, redelivery: true }); // redelivered once already
    const unreachable = seed(106, 0, 0.5 * HOUR); // GitHub could not connect
    for (let i = 0; i < 150; i++) d.add('app', { event: 'push', status_code: 200, delivered_at: ago(10 * 60_000) });
    const repoFailed = d.add('repos/octo/hooks/hooks/9', { event: 'issues', action: 'opened', status_code: 503 });

    assert.equal(await syncRedeliverySchedule(stack.client, stack.resources), 'created');
    const results = await runOnce();
    assert.deepEqual(
      results.map((r) => [r.hook, r.listed, r.redelivered, r.refused, r.error]),
      [
        ['app', 158, [failed.guid, unreachable.guid], [], undefined],
        ['octo/hooks#9', 1, [repoFailed.guid], [], undefined],
      ],
    );
    assert.ok(
      stack.sandbox.requests.some((q) => q.path === '/app/hook/deliveries' && q.status === 200),
      'listed with the App JWT',
    );
    await d.settled();
    // As on GitHub: the redelivery is a new entry with the same GUID, here carrying the ingress's answer.
    const newest = d.of('app').find((e) => e.guid === failed.guid)!;
    assert.deepEqual([newest.redelivery, newest.status_code], [true, 201]);
    assert.equal(d.of('repos/octo/hooks/hooks/9')[0]!.redelivery, true);

    // The redelivered issues got their answer, once; nothing else was acted on.
    for (let i = 0; i < 200 && commentsOn(101) + commentsOn(106) < 2; i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual([101, 102, 103, 104, 105, 106].map(commentsOn), [1, 0, 0, 0, 0, 1]);
    const counted = (await metrics.registry.getSingleMetric('aof_webhook_redeliveries_total')!.get()).values;
    assert.deepEqual(counted.map((v) => [v.labels.hook, v.labels.event, v.value]).sort(), [
      ['app', 'issues', 2],
      ['octo/hooks#9', 'issues', 1],
    ]);

    // The next run finds nothing to do: each failure is redelivered once.
    const again = await runOnce();
    assert.deepEqual(
      again.map((r) => r.redelivered),
      [[], []],
    );
    assert.equal(d.attempts.length, 3);
  });

  it('a redelivery GitHub refuses is reported, and the other hooks still run', async () => {
    const d = stack.sandbox.deliveries;
    const gone = d.add('repos/octo/hooks/hooks/9', { event: 'push', status_code: 500 });
    stack.sandbox.failNext(1, 422, /attempts$/);
    const results = await runOnce();
    assert.deepEqual(
      results.map((r) => [r.hook, r.redelivered, r.refused]),
      [
        ['app', [], []],
        ['octo/hooks#9', [], [gone.guid]],
      ],
    );
  });

  it('a worker start updates the schedule to its configuration, and deletes it when redelivery is off', async () => {
    const t = stack.resources.daemon.spec.temporal;
    const handle = stack.client.schedule.getHandle(redeliveryScheduleId(t.task_queue));
    stack.resources.daemon.spec.platforms.github.redelivery!.interval_minutes = 15;
    assert.equal(await syncRedeliverySchedule(stack.client, stack.resources), 'updated');
    const described = await handle.describe();
    assert.equal(described.spec.intervals?.[0]?.every, 15 * 60_000);
    assert.equal(described.action.type, 'startWorkflow');
    stack.resources.daemon.spec.platforms.github.redelivery!.enabled = false;
    assert.equal(await syncRedeliverySchedule(stack.client, stack.resources), 'deleted');
    assert.equal(await syncRedeliverySchedule(stack.client, stack.resources), 'none');
    await assert.rejects(handle.describe());
  });
});

describe('aofctl worker and the redelivery schedule', function () {
  this.timeout(180_000);
  let stack: Stack;
  let dir: string;
  let worker: WorkerProcess | undefined;
  before(async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    dir = configDir({
      'daemon.yaml': daemon(30),
      'agents/a.yaml': agentYaml('helper'),
      'triggers/t.yaml': triggerYaml('issues', 'config:\n  github_events: [issues]\ndefault_agent: helper'),
    });
    writeFileSync(join(dir, 'app-key.pem'), privateKey.export({ type: 'pkcs1', format: 'pem' }));
    stack = await startStack({ config: join(dir, 'daemon.yaml'), withWorker: false });
  });
  after(async () => {
    await worker?.kill();
    await stack?.client.schedule
      .getHandle(redeliveryScheduleId(stack.resources.daemon.spec.temporal.task_queue))
      .delete()
      .catch(() => undefined);
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the schedule at start and logs a line per redelivery', async () => {
    const t = stack.resources.daemon.spec.temporal;
    worker = await startWorkerProcess(join(dir, 'daemon.yaml'), await workerEnvFor(stack));
    const handle = stack.client.schedule.getHandle(redeliveryScheduleId(t.task_queue));
    for (let i = 0; i < 100 && !worker.output().includes('redelivery schedule created'); i++)
      await new Promise((r) => setTimeout(r, 100));
    assert.match(worker.output(), /"change":"created".*"redelivery schedule created"/);
    assert.equal((await handle.describe()).spec.intervals?.[0]?.every, 30 * 60_000);

    const failed = stack.sandbox.deliveries.add('repos/octo/hooks/hooks/9', { event: 'push', status_code: 500 });
    await handle.trigger();
    for (let i = 0; i < 300 && !worker.output().includes(failed.guid); i++)
      await new Promise((r) => setTimeout(r, 100));
    const line = worker
      .output()
      .split('\n')
      .find((l) => l.includes(failed.guid));
    assert.ok(line, `no log line for the redelivery:\n${worker.output().slice(-2000)}`);
    assert.match(line, /webhook delivery redelivered/);
    assert.match(line, /"hook":"octo\/hooks#9"/);
    assert.equal(stack.sandbox.deliveries.attempts.length, 1);
  });
});
