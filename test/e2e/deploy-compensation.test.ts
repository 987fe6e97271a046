// Deploys that undo themselves, with the worker SIGKILLed between deploy and verify: a real worker process,
// the shared dev server, the GitHub sandbox and a local HTTP server that serves the deploy, verify and
// rollback hooks and records every call. Either verify completes and nothing is rolled back, or verify
// fails and the rollback runs exactly once (one Idempotency-Key, even when the worker dies during it):
// never neither, never both.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { configDir, daemonYaml, triggerYaml, GITHUB_TEST_PLATFORM } from '../harness/config-dir.js';
import { pullRequests } from '../harness/deploy-hook.js';
import { startHooks } from '../harness/hook-server.js';
import { startStack, type Stack } from '../harness/stack.js';
import { until } from '../harness/until.js';
import { startWorkerProcess, workerEnvFor, type WorkerProcess } from '../harness/worker-process.js';

describe('a deploy that undoes itself, across worker kills', function () {
  this.timeout(240_000);
  let stack: Stack;
  let dir: string;
  let env: Record<string, string>;
  let hooks: Awaited<ReturnType<typeof startHooks>>;
  let prs: ReturnType<typeof pullRequests>;
  let worker: WorkerProcess | undefined;

  before(async () => {
    hooks = await startHooks();
    dir = configDir({
      'daemon.yaml': daemonYaml(GITHUB_TEST_PLATFORM, '  flows: {directory: flows}\n'),
      'flows/f.yaml': `apiVersion: aof.dev/v1
kind: AgentFlow
metadata: {name: deploy-undo}
spec:
  nodes:
    - {id: start, type: approval}
    - {id: deploy, type: http, compensate: rollback, config: {url: "${hooks.url}/deploy"}}
    - {id: verify, type: http, config: {url: "${hooks.url}/verify"}}
    - {id: rollback, type: http, config: {url: "${hooks.url}/rollback"}}
    - {id: done, type: end, config: {status: deployed}}
    - {id: stopped, type: end, config: {status: not deployed}}
  connections:
    - {from: start, to: deploy, when: "start.output == 'approved'"}
    - {from: start, to: stopped}
    - {from: deploy, to: verify}
    - {from: verify, to: done}
`,
      // Staging first (undone by unstage), then production once approved; a rejection undoes staging.
      'flows/g.yaml': `apiVersion: aof.dev/v1
kind: AgentFlow
metadata: {name: stage-then-prod}
spec:
  nodes:
    - {id: start, type: http, compensate: unstage, config: {url: "${hooks.url}/stage"}}
    - {id: unstage, type: http, config: {url: "${hooks.url}/unstage"}}
    - {id: approve, type: approval}
    - {id: deploy, type: http, config: {url: "${hooks.url}/deploy"}}
    - {id: done, type: end, config: {status: deployed}}
    - {id: stopped, type: end, config: {status: rejected}}
  connections:
    - {from: start, to: approve}
    - {from: approve, to: deploy, when: "approve.output == 'approved'"}
    - {from: approve, to: stopped}
    - {from: deploy, to: done}
`,
      'triggers/t.yaml': triggerYaml(
        'undo',
        'config:\n  github_events: [issue_comment]\ncommands:\n  /deploy production:\n    flow: deploy-undo\n    params: {require_approval: false, environment: production}\n' +
          '  /promote:\n    flow: stage-then-prod\n    params: {approvers: [alice], environment: production}',
      ),
    });
    stack = await startStack({ config: join(dir, 'daemon.yaml'), withWorker: false });
    env = await workerEnvFor(stack);
    prs = pullRequests(stack, 'undoorg/api', 300);
    stack.sandbox.permissions.set('undoorg/api:alice', 'write');
  });
  after(async () => {
    await worker?.kill();
    await stack?.stop();
    hooks?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const startWorker = async () => (worker = await startWorkerProcess(join(dir, 'daemon.yaml'), env));
  /** Kills the worker like a crash, once `path` has been called and is being held. */
  const killWhileHeld = async (path: string) => {
    await until(`a call to ${path}`, () => hooks.to(path).count > 0);
    await worker!.kill('SIGKILL');
  };
  /** `/<command>` on a new pull request, by carol: the PR and its flow `name`'s handle. */
  const request = async (command: string, name: string) => {
    const pr = prs.open();
    const r = await stack.send('issue_comment', prs.comment(pr, command, 'carol'));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return { pr, flow: stack.client.workflow.getHandle(`flow/undoorg/api#${pr.number}/${name}/production`) };
  };
  /** A production deploy whose worker is killed while verify runs (deploy done). */
  const deployKilledAtVerify = async () => {
    hooks.calls.length = 0;
    hooks.answers['/verify'] = 'hold';
    await startWorker();
    const run = await request('/deploy production', 'deploy-undo');
    await killWhileHeld('/verify');
    assert.equal(hooks.to('/deploy').count, 1);
    return run;
  };
  const comments = (n: number) => stack.sandbox.comments.filter((c) => c.issueNumber === n).map((c) => c.body);

  it('killed while verify runs, verify then passes: deployed once, never rolled back', async () => {
    const { pr, flow } = await deployKilledAtVerify();
    hooks.answers['/verify'] = 200;
    await startWorker();

    const result = await flow.result();
    assert.equal(result.status, 'deployed');
    assert.deepEqual(
      [hooks.to('/deploy').count, hooks.to('/verify').keys.length, hooks.to('/rollback').count],
      [1, 1, 0],
    );
    assert.ok(hooks.to('/verify').count >= 2, 'the verify lost with the worker was retried');
    await until('the flow comment', () =>
      comments(pr.number).some((b) => b.includes('`deploy-undo` for `production`: deployed')),
    );
  });

  it('killed while verify runs, verify then fails: rolled back exactly once, also when killed during the rollback', async () => {
    const { pr, flow } = await deployKilledAtVerify();
    hooks.answers['/verify'] = 409;
    hooks.answers['/rollback'] = 'hold';
    await startWorker();
    await killWhileHeld('/rollback');
    hooks.answers['/rollback'] = 200;
    await startWorker();

    await assert.rejects(flow.result(), WorkflowFailedError);
    assert.equal(hooks.to('/deploy').count, 1);
    assert.equal(hooks.to('/verify').keys.length, 1);
    assert.ok(hooks.to('/rollback').count >= 2, 'the rollback lost with the worker was retried');
    assert.equal(hooks.to('/rollback').keys.length, 1, 'one rollback, however often its request was sent');
    // The rollback came after the failed verify, and nothing after the rollback.
    assert.deepEqual(
      hooks.calls.map((c) => c.path).filter((p, i, all) => p !== all[i - 1]),
      ['/deploy', '/verify', '/rollback'],
    );
    await until('the undone comment', () =>
      comments(pr.number).some(
        (b) =>
          b.includes('`deploy-undo` for `production`: failed at `verify`, undone') &&
          b.includes('rollback (http, undoes deploy) | 200'),
      ),
    );
  });

  it('a rejected flow after a completed node runs its compensation, once, and says so', async () => {
    hooks.calls.length = 0;
    await startWorker();
    const { pr, flow } = await request('/promote', 'stage-then-prod');
    await until('the approval request', () => comments(pr.number).some((b) => b.includes('/reject')));
    assert.equal(hooks.to('/stage').count, 1);
    assert.equal((await stack.send('issue_comment', prs.comment(pr, '/reject not today', 'alice'))).status, 202);

    const result = await flow.result();
    assert.equal(result.status, 'rejected');
    assert.deepEqual(
      hooks.calls.map((c) => c.path),
      ['/stage', '/unstage'],
    );
    assert.deepEqual(
      result.nodes.map((n: { node: string; undid?: string }) => [n.node, n.undid]),
      [
        ['start', undefined],
        ['approve', undefined],
        ['stopped', undefined],
        ['unstage', 'start'],
      ],
    );
    await until('the flow comment', () =>
      comments(pr.number).some(
        (b) =>
          b.includes('`stage-then-prod` for `production`: rejected') &&
          b.includes('unstage (http, undoes start) | 200'),
      ),
    );
  });
});
