// The stale-lock sweep: a deploy stuck on its hook holds `production`, and the deploy queued behind it waits.
// A Schedule Trigger's sweep with an age the holder has not reached leaves it alone; one with a short age
// cancels it: its compensation rolls back what it deployed, its pull request says the sweep cancelled it,
// it releases the lock in its own finally, and the queued deploy goes. The shared dev server, the worker in
// the stack, the GitHub sandbox and a local HTTP server for the hooks.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { runningEnvLocks } from '../../src/temporal/env-locks.js';
import { syncTriggerSchedules, triggerScheduleId } from '../../src/worker/trigger-schedules.js';
import { lockStateQuery } from '../../workflows/definitions.js';
import { configDir, daemonYaml, triggerYaml, GITHUB_TEST_PLATFORM } from '../harness/config-dir.js';
import { pullRequests } from '../harness/deploy-hook.js';
import { oneHookFlow, startHooks } from '../harness/hook-server.js';
import { startStack, type Stack } from '../harness/stack.js';
import { until } from '../harness/until.js';

const REPO = 'sweeporg/api';

const sweep = (name: string, config: string) => `apiVersion: aof.dev/v1
kind: AgentFlow
metadata: {name: ${name}}
spec:
  nodes:
    - {id: start, type: lock_sweep, config: ${config}}
    - {id: done, type: end, config: {status: swept}}
  connections:
    - {from: start, to: done}
`;
const nightly = (name: string, flow: string) => `apiVersion: aof.dev/v1
kind: Trigger
metadata: {name: ${name}}
spec:
  type: Schedule
  config: {cron: "0 3 * * *", paused: true}
  params: {repository: ${REPO}}
  commands:
    schedule: {flow: ${flow}}
`;

describe('the stale-lock sweep', function () {
  this.timeout(120_000);
  let stack: Stack;
  let dir: string;
  let hooks: Awaited<ReturnType<typeof startHooks>>;
  let prs: ReturnType<typeof pullRequests>;
  const schedules: string[] = [];

  before(async () => {
    hooks = await startHooks();
    dir = configDir({
      'daemon.yaml': daemonYaml(GITHUB_TEST_PLATFORM, '  flows: {directory: flows}\n'),
      'flows/stuck.yaml': `apiVersion: aof.dev/v1
kind: AgentFlow
metadata: {name: deploy-stuck}
spec:
  nodes:
    - {id: start, type: http, compensate: rollback, config: {url: "${hooks.url}/deploy"}}
    - {id: verify, type: http, config: {url: "${hooks.url}/verify"}}
    - {id: rollback, type: http, config: {url: "${hooks.url}/rollback"}}
    - {id: done, type: end, config: {status: deployed}}
  connections:
    - {from: start, to: verify}
    - {from: verify, to: done}
`,
      'flows/next.yaml': oneHookFlow('deploy-next', `${hooks.url}/next`),
      'flows/sweep-long.yaml': sweep('sweep-long', '{older_than: 1h, environments: [production]}'),
      'flows/sweep-short.yaml': sweep('sweep-short', '{older_than: 2s}'),
      'triggers/t.yaml': triggerYaml(
        'deploys',
        'config:\n  github_events: [issue_comment]\ncommands:\n' +
          '  /stuck production:\n    flow: deploy-stuck\n    params: {require_approval: false, environment: production}\n' +
          '  /next production:\n    flow: deploy-next\n    params: {require_approval: false, environment: production}',
      ),
      'triggers/long.yaml': nightly('sweep-long', 'sweep-long'),
      'triggers/short.yaml': nightly('sweep-short', 'sweep-short'),
    });
    stack = await startStack({ config: join(dir, 'daemon.yaml') });
    prs = pullRequests(stack, REPO, 500);
    for (const c of await syncTriggerSchedules(stack.client, stack.resources)) schedules.push(c.scheduleId);
  });
  after(async () => {
    for (const id of schedules)
      await stack?.client.schedule
        .getHandle(id)
        .delete()
        .catch(() => undefined);
    await stack?.stop();
    hooks?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const comments = (n: number) => stack.sandbox.comments.filter((c) => c.issueNumber === n).map((c) => c.body);
  const lock = () => stack.client.workflow.getHandle(`lock/${REPO}/production`);
  const flowOf = (n: number, flow: string) => stack.client.workflow.getHandle(`flow/${REPO}#${n}/${flow}/production`);

  /** `/<command> production` on a new pull request: its number. */
  async function request(command: string): Promise<number> {
    const pr = prs.open();
    const r = await stack.send('issue_comment', prs.comment(pr, `/${command} production`, 'carol'));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return pr.number;
  }

  /** Fires a sweep's schedule by hand; the sweep node's output once its run ended. */
  async function fire(trigger: string): Promise<string> {
    const handle = stack.client.schedule.getHandle(
      triggerScheduleId(stack.resources.daemon.spec.temporal.task_queue, trigger),
    );
    const before = (await handle.describe()).info.recentActions.length;
    await handle.trigger();
    let run: { workflowId: string; firstExecutionRunId: string } | undefined;
    await until(`a firing of ${trigger}`, async () => {
      const actions = (await handle.describe()).info.recentActions;
      run = actions.length > before ? actions.at(-1)!.action.workflow : undefined;
      return run !== undefined;
    });
    const result = await stack.client.workflow.getHandle(run!.workflowId, run!.firstExecutionRunId).result();
    assert.equal(result.flow.status, 'swept', JSON.stringify(result));
    return result.flow.nodes[0].output as string;
  }

  it('leaves a holder younger than its age alone, cancels an older one: rolled back, told, and the queue moves', async () => {
    hooks.answers['/verify'] = 'hold';
    const stuck = await request('stuck');
    await until('the stuck deploy', () => hooks.to('/verify').count > 0);
    const next = await request('next');
    await until('the second deploy queued behind it', async () => {
      const { queue } = await lock().query(lockStateQuery);
      return queue.length === 2;
    });

    // Held for seconds: younger than an hour.
    assert.equal(await fire('sweep-long'), 'no lock held longer than 1h; 1 left alone');
    assert.equal((await flowOf(stuck, 'deploy-stuck').describe()).status.name, 'RUNNING');
    assert.equal(hooks.to('/next').count, 0);

    // Held longer than two seconds, and listed where the sweep without environments looks.
    await until('the lock held for over 2s', async () => {
      const { queue } = await lock().query(lockStateQuery);
      return queue[0]!.heldSince !== undefined && Date.now() - queue[0]!.heldSince > 2500;
    });
    await until('the lock listed', async () =>
      (await runningEnvLocks(stack.client, REPO)).locks.some((l) => l.environment === 'production'),
    );
    const output = await fire('sweep-short');
    assert.match(output, /^swept 1 lock\(s\) held longer than 2s; 0 left alone\n/);
    assert.match(
      output,
      new RegExp(`\\nproduction: cancelled #${stuck} \\(flow/${REPO}#${stuck}/deploy-stuck/production\\), held \\d+s$`),
    );

    await assert.rejects(flowOf(stuck, 'deploy-stuck').result(), WorkflowFailedError);
    assert.equal((await flowOf(next, 'deploy-next').result()).status, 'deployed');
    assert.deepEqual([hooks.to('/deploy').count, hooks.to('/rollback').count, hooks.to('/next').count], [1, 1, 1]);
    // The rollback ran before the lock moved on.
    const order = hooks.calls.map((c) => c.path);
    assert.ok(order.indexOf('/rollback') < order.indexOf('/next'), order.join(' '));
    await until(
      'the cancelled flow says why',
      () =>
        comments(stuck).some(
          (b) =>
            /^### Flow `deploy-stuck` for `production`: cancelled by the stale-lock sweep \(the stale-lock sweep of flow sweep-short: it held `production` for \d+s, longer than 2s\), undone\n/.test(
              b,
            ) && b.includes('rollback (http, undoes start) | 200'),
        ),
      { ms: 10_000, detail: () => comments(stuck).join('\n---\n') },
    );
    assert.equal(comments(stuck).filter((b) => b.includes('stale-lock sweep')).length, 1);
    // The cancelled flow's verify call ends (its activity learns of no cancel): the worker can stop.
    hooks.release('/verify');
  });
});
