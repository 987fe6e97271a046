// Deploys undone by a revert: GitHub has no "reverted" event, so a merged pull request made by its Revert
// button (branch `revert-<n>-<branch>`, description `Reverts <owner>/<repo>#<n>`) undoes the completed
// flows of pull request #n: their compensations run, latest first, once, also when the worker is SIGKILLed
// during the rollback and when GitHub redelivers the merge. A real worker process, the shared dev server,
// the GitHub sandbox and a local HTTP server that serves the hooks and records every call.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { example, retarget } from '../../src/fixtures/webhook-examples.js';
import { flowUndoWorkflowId } from '../../src/temporal/workflow-ids.js';
import { lockStateQuery } from '../../workflows/definitions.js';
import { configDir, daemonYaml, triggerYaml, GITHUB_TEST_PLATFORM } from '../harness/config-dir.js';
import { pullRequests, type TestPr } from '../harness/deploy-hook.js';
import { oneHookFlow, startHooks } from '../harness/hook-server.js';
import { startStack, type Stack } from '../harness/stack.js';
import { until } from '../harness/until.js';
import { startWorkerProcess, workerEnvFor, type WorkerProcess } from '../harness/worker-process.js';

const REPO = 'revertorg/api';

describe('a deploy undone by a merged revert of its pull request', function () {
  this.timeout(240_000);
  let stack: Stack;
  let dir: string;
  let env: Record<string, string>;
  let hooks: Awaited<ReturnType<typeof startHooks>>;
  let prs: ReturnType<typeof pullRequests>;
  let worker: WorkerProcess | undefined;
  let nextRevert = 900;

  before(async () => {
    hooks = await startHooks();
    dir = configDir({
      'daemon.yaml': daemonYaml(GITHUB_TEST_PLATFORM, '  flows: {directory: flows}\n'),
      'flows/undo.yaml': `apiVersion: aof.dev/v1
kind: AgentFlow
metadata: {name: deploy-undo}
spec:
  nodes:
    - {id: start, type: http, compensate: unstage, config: {url: "${hooks.url}/stage"}}
    - {id: deploy, type: http, compensate: rollback, config: {url: "${hooks.url}/deploy"}}
    - {id: rollback, type: http, config: {url: "${hooks.url}/rollback"}}
    - {id: unstage, type: http, config: {url: "${hooks.url}/unstage"}}
    - {id: done, type: end, config: {status: deployed}}
  connections:
    - {from: start, to: deploy}
    - {from: deploy, to: done}
`,
      'flows/plain.yaml': oneHookFlow('deploy-plain', `${hooks.url}/plain`),
      'flows/hold.yaml': oneHookFlow('deploy-hold', `${hooks.url}/hold`),
      'triggers/t.yaml': triggerYaml(
        'revert',
        'config:\n  github_events: [issue_comment, pull_request]\ncommands:\n' +
          '  /deploy production:\n    flow: deploy-undo\n    params: {require_approval: false, environment: production}\n' +
          '  /plain production:\n    flow: deploy-plain\n    params: {require_approval: false, environment: production}\n' +
          '  /hold production:\n    flow: deploy-hold\n    params: {require_approval: false, environment: production}',
      ),
    });
    stack = await startStack({ config: join(dir, 'daemon.yaml'), withWorker: false });
    env = await workerEnvFor(stack);
    prs = pullRequests(stack, REPO, 400);
    worker = await startWorkerProcess(join(dir, 'daemon.yaml'), env);
  });
  after(async () => {
    await worker?.kill();
    hooks?.close(); // first: a held hook call ends, and the worker can stop
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const comments = (n: number) => stack.sandbox.comments.filter((c) => c.issueNumber === n).map((c) => c.body);

  /** `/<command> production` on a new pull request, run to its end: the PR. */
  async function deployed(command: string, flow: string): Promise<TestPr> {
    const pr = prs.open();
    const r = await stack.send('issue_comment', prs.comment(pr, `/${command} production`, 'carol'));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const handle = stack.client.workflow.getHandle(`flow/${REPO}#${pr.number}/${flow}/production`);
    await until(`the flow ${flow}`, () =>
      handle.describe().then(
        () => true,
        () => false,
      ),
    );
    const result = await handle.result();
    assert.equal(result.status, 'deployed');
    // A revert finds the flows it undoes by a visibility search, which lags the flow's end.
    await until(`the flow ${flow} listed as completed`, async () => {
      for await (const w of stack.client.workflow.list({
        query: `WorkflowId = '${handle.workflowId}' AND ExecutionStatus = 'Completed'`,
      }))
        if (w.workflowId === handle.workflowId) return true;
      return false;
    });
    return pr;
  }

  /** GitHub's `pull_request.closed` of the Revert button's pull request reverting `reverted` (a real payload). */
  function revertClosed(reverted: number, merged: boolean, number = ++nextRevert) {
    const p = retarget(example('pull_request', 'closed'), REPO);
    p.number = number;
    p.pull_request.number = number;
    p.pull_request.merged = merged;
    p.pull_request.head.ref = `revert-${reverted}-feature`;
    p.pull_request.head.sha = `${number}`.padStart(40, 'e');
    p.pull_request.title = `Revert "Feature"`;
    p.pull_request.body = `Reverts ${REPO}#${reverted}`;
    stack.sandbox.addPull('revertorg', 'api', p.pull_request);
    return p;
  }

  /** The undo run of pull request `pr`'s flow `flow` (its latest run), by the id the ingress gives it. */
  const undoOf = async (pr: TestPr, flow: string) => {
    const flowId = `flow/${REPO}#${pr.number}/${flow}/production`;
    const { runId } = await stack.client.workflow.getHandle(flowId).describe();
    return stack.client.workflow.getHandle(flowUndoWorkflowId(flowId, runId));
  };

  it('a merged revert rolls back once, latest first, also across a worker SIGKILL and a redelivery', async () => {
    const pr = await deployed('deploy', 'deploy-undo');
    assert.deepEqual([hooks.to('/rollback').count, hooks.to('/unstage').count], [0, 0]);

    hooks.answers['/rollback'] = 'hold';
    const revert = revertClosed(pr.number, true);
    const first = await stack.send('pull_request', revert);
    assert.ok(first.status < 300, JSON.stringify(first.body));
    await until('the rollback call', () => hooks.to('/rollback').count > 0);
    await worker!.kill('SIGKILL');
    hooks.answers['/rollback'] = 200;
    worker = await startWorkerProcess(join(dir, 'daemon.yaml'), env);

    await until('the undone comment', () =>
      comments(pr.number).some(
        (b) =>
          b.includes(`\`deploy-undo\` for \`production\`: undone, #${revert.number} reverted this pull request`) &&
          b.includes('rollback (http, undoes deploy) | 200') &&
          b.includes('unstage (http, undoes start) | 200'),
      ),
    );
    // GitHub redelivers the merge (same delivery), and the same revert arrives again as a new delivery.
    const again = await stack.send('pull_request', revert, { delivery: first.delivery });
    assert.ok(again.status < 300, JSON.stringify(again.body));
    const anew = await stack.send('pull_request', revert);
    assert.ok(anew.status < 300, JSON.stringify(anew.body));
    const undo = await undoOf(pr, 'deploy-undo');
    assert.equal((await undo.result()).status, 'undone');

    assert.equal(hooks.to('/rollback').keys.length, 1, 'one rollback, however often its request was sent');
    assert.ok(hooks.to('/rollback').count >= 2, 'the rollback lost with the worker was retried');
    assert.equal(hooks.to('/unstage').count, 1);
    const order = hooks.calls.map((c) => c.path).filter((p, i, all) => p !== all[i - 1]);
    assert.deepEqual(order.slice(-2), ['/rollback', '/unstage'], 'the latest node undone first');
    assert.equal(comments(pr.number).filter((b) => b.includes(': undone, #')).length, 1);
  });

  it("the rollback takes the environment's lock: it waits for a deploy that holds it, then runs", async () => {
    const pr = await deployed('deploy', 'deploy-undo');
    const [rollbacks, unstages] = [hooks.to('/rollback').count, hooks.to('/unstage').count];
    hooks.answers['/hold'] = 'hold';
    const holder = prs.open();
    const h = await stack.send('issue_comment', prs.comment(holder, '/hold production', 'carol'));
    assert.equal(h.status, 201, JSON.stringify(h.body));
    await until('the deploy holding production', () => hooks.to('/hold').count > 0);

    const revert = revertClosed(pr.number, true);
    const r = await stack.send('pull_request', revert);
    assert.ok(r.status < 300, JSON.stringify(r.body));
    const undo = await undoOf(pr, 'deploy-undo');
    const lock = stack.client.workflow.getHandle(`lock/${REPO}/production`);
    await until('the undo queued behind the deploy', async () => {
      const { queue } = await lock.query(lockStateQuery);
      return queue.length === 2 && queue[1]!.requester === undo.workflowId && queue[1]!.label === `undo #${pr.number}`;
    });
    assert.deepEqual([hooks.to('/rollback').count, hooks.to('/unstage').count], [rollbacks, unstages]);

    hooks.release('/hold');
    assert.equal((await undo.result()).status, 'undone');
    assert.deepEqual([hooks.to('/rollback').count, hooks.to('/unstage').count], [rollbacks + 1, unstages + 1]);
    const order = hooks.calls.map((c) => c.path);
    assert.ok(order.lastIndexOf('/hold') < order.lastIndexOf('/rollback'), order.join(' '));
    // It released the lock when done: the lock ends once nobody holds or waits.
    await until(
      'the lock free',
      async () => (await lock.query(lockStateQuery).catch(() => ({ queue: [] }))).queue.length === 0,
    );
  });

  it('a revert closed without merging undoes nothing', async () => {
    const pr = await deployed('deploy', 'deploy-undo');
    const before = hooks.calls.length;
    const r = await stack.send('pull_request', revertClosed(pr.number, false));
    assert.ok(r.status < 300, JSON.stringify(r.body));
    // The ingress answered after it started whatever it starts: there is no undo run to wait for.
    await assert.rejects((await undoOf(pr, 'deploy-undo')).describe(), /not found/i);
    assert.equal(hooks.calls.length, before);
    assert.ok(!comments(pr.number).some((b) => b.includes(': undone')));
  });

  it('a merged revert of a flow without compensate undoes nothing and says nothing', async () => {
    const pr = await deployed('plain', 'deploy-plain');
    const before = hooks.calls.length;
    const r = await stack.send('pull_request', revertClosed(pr.number, true));
    assert.ok(r.status < 300, JSON.stringify(r.body));
    // The revert looked at the completed flow, which left nothing to undo.
    const result = await (await undoOf(pr, 'deploy-plain')).result();
    assert.equal(result.status, 'nothing to undo');
    assert.equal(hooks.calls.length, before);
    assert.ok(!comments(pr.number).some((b) => b.includes(': undone')));
  });
});
