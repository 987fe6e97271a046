// What the deploy tests share: a stand-in deploy hook that records every call (and can hold its answers,
// as a deploy that is still running holds the environment's lock), the deploy flow of the quick start
// (approval, then the hook, then an end), and pull requests and their comments in one repository.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { example, retarget } from '../../src/fixtures/webhook-examples.js';
import type { WorkflowHandle } from '@temporalio/client';
import type { Stack } from './stack.js';
import { until } from './until.js';
import { startWorkerProcess, type WorkerProcess } from './worker-process.js';

export interface HookCall {
  key: string;
  path: string;
  body: string;
  authorization?: string;
}

export async function startDeployHook() {
  const calls: HookCall[] = [];
  let held: { until: Promise<void>; release: () => void } | undefined;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      calls.push({
        key: String(req.headers['idempotency-key']),
        path: req.url!,
        body,
        authorization: req.headers.authorization,
      });
      void (held?.until ?? Promise.resolve()).then(() => res.end('{"ok":true}'));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    calls,
    /** Holds every answer until the returned function is called: a deploy is running. */
    hold(): () => void {
      let release!: () => void;
      held = { until: new Promise<void>((r) => (release = r)), release };
      return () => {
        held = undefined;
        release();
      };
    },
    close() {
      held?.release();
      server.close();
    },
  };
}

/** The flow `name`: an approval, then a POST to `<hook>/deploy/<environment>` (plus `httpConfig`), then an end. */
export const deployFlow = (hook: string, httpConfig = '', name = 'deploy-prod') => `apiVersion: aof.dev/v1
kind: AgentFlow
metadata: {name: ${name}}
spec:
  nodes:
    - {id: start, type: approval}
    - {id: deploy, type: http, config: {url: "${hook}/deploy/\${event.environment}", method: POST${httpConfig ? `, ${httpConfig}` : ''}}}
    - {id: done, type: end, config: {status: deployed}}
    - {id: stopped, type: end, config: {status: "not deployed"}}
  connections:
    - {from: start, to: deploy, when: "start.output == 'approved'"}
    - {from: start, to: stopped}
    - {from: deploy, to: done}
`;

export interface TestPr {
  number: number;
  sha: string;
  author: string;
}

/** Pull requests of `repo` (owner/name), numbered from `first`, registered in the sandbox. */
export function pullRequests(stack: Pick<Stack, 'sandbox'>, repo: string, first: number, shaFill = 'a') {
  const [owner, name] = repo.split('/') as [string, string];
  let n = first;
  return {
    open(author = 'octocat'): TestPr {
      const number = ++n;
      const pr = retarget(example('pull_request', 'opened'), repo);
      pr.pull_request.number = number;
      pr.pull_request.user.login = author;
      pr.pull_request.head.sha = `${number}`.padStart(40, shaFill);
      stack.sandbox.addPull(owner, name, pr.pull_request);
      return { number, sha: pr.pull_request.head.sha as string, author };
    },
    /** An `issue_comment` on `pr` by `login`, as GitHub sends it. */
    comment(pr: Pick<TestPr, 'number' | 'author'>, body: string, login: string, action = 'created', id?: number) {
      const c = retarget(example('issue_comment', action === 'created' ? 'created' : 'edited'), repo);
      c.action = action;
      c.issue.number = pr.number;
      c.issue.user.login = pr.author;
      c.issue.pull_request = { url: 'x', html_url: 'y' };
      c.comment.id = id ?? Math.floor(Math.random() * 1e9);
      c.comment.body = body;
      c.sender.login = login;
      return c;
    },
  };
}

/** A forge's side of a deploy scenario: opening a change, commenting on it (through the ingress), reading it. */
export interface DeployWorld {
  /** A new pull or merge request; its number. */
  open(): number;
  /** `who` comments `body` on change `n`; the ingress's answer. */
  comment(n: number, body: string, who: string): Promise<{ status: number; body: Record<string, any> }>;
  /** The texts of the comments on change `n`. */
  comments(n: number): string[];
  /** The id of the flow deploying change `n` to `environment`. */
  flowId(n: number, environment: string): string;
  /** New commits on change `n` (its head now `sha`), told by the forge's delivery; the ingress's answer. */
  push?(n: number, sha: string): Promise<{ status: number; body: Record<string, any> }>;
  /** Change `n` closed (merged or not), told by the forge's delivery; the ingress's answer. */
  close?(n: number): Promise<{ status: number; body: Record<string, any> }>;
}

type Hook = Awaited<ReturnType<typeof startDeployHook>>;

/**
 * What a forge's deploy suite does through its DeployWorld (given late: suites make theirs in `before`):
 * request a deploy as carol, approve, wait for a comment, and the scenarios every forge shares.
 */
export function deployDriver(get: () => { stack: Stack; hook: Hook; world: DeployWorld }) {
  const d = {
    flowOf: (n: number, environment = 'production') =>
      get().stack.client.workflow.getHandle(get().world.flowId(n, environment)),
    commentSays: (n: number, text: string) =>
      until(
        `the comment "${text}"`,
        () =>
          get()
            .world.comments(n)
            .some((b) => b.includes(text)),
        {
          detail: () => JSON.stringify(get().world.comments(n)),
        },
      ),
    async requestDeploy(n: number, environment = 'production') {
      const r = await get().world.comment(n, `/deploy ${environment}`, 'carol');
      assert.equal(r.status, 201, JSON.stringify(r.body));
      await d.commentSays(n, `Deploy to \`${environment}\` requested by @carol`);
      return d.flowOf(n, environment);
    },
    approve: (n: number, who: string, command = '/approve') => get().world.comment(n, command, who),

    /** `who`'s approval of change `n` reaches its flow, which refuses it, saying `says`. */
    async refused(n: number, who: string, says: string) {
      const r = await d.approve(n, who);
      assert.deepEqual([r.status, r.body.status], [202, 'signalled']);
      await d.commentSays(n, says);
    },

    /**
     * `who`, listed by name, approves the production deploy `flow` of change `n` at `head`: it deploys once,
     * and says so. The same path on GitHub names another flow, which never ran.
     */
    async listedDeploysOnce(n: number, flow: WorkflowHandle, who: string, head: string) {
      const { stack, hook, world } = get();
      const r = await d.approve(n, who);
      assert.deepEqual([r.status, r.body.status], [202, 'signalled']);
      const result = await flow.result();
      assert.equal(result.status, 'deployed');
      assert.equal(hook.calls.length, 1);
      assert.equal(hook.calls[0]!.path, '/deploy/production');
      assert.deepEqual(
        result.approval.approvals.map((a: { login: string; via: string; sha: string }) => [a.login, a.via, a.sha]),
        [[who, `listed as ${who}`, head]],
      );
      await d.commentSays(n, '### Flow `deploy-prod` for `production`: deployed');
      const onGitHub = world.flowId(n, 'production').replace(/^flow\/\w+:/, 'flow/');
      await assert.rejects(stack.client.workflow.getHandle(onGitHub).describe(), /not found/i);
    },

    /**
     * `staging` (two approvals): `first` approves, a push voids the request, `late`'s approval finds nothing
     * waiting (said on the `change`), nothing deploys. `beforePush` runs between the approval and the push.
     */
    async pushVoidsPendingApproval(o: {
      first: string;
      late: string;
      change: string;
      beforePush?: (n: number) => Promise<void>;
    }) {
      const { world, hook } = get();
      const n = world.open();
      const flow = await d.requestDeploy(n, 'staging');
      assert.equal((await d.approve(n, o.first)).status, 202);
      await d.commentSays(n, `Approval 1 of 2 by @${o.first} recorded.`);
      await o.beforePush?.(n);
      const r = await world.push!(n, 'f'.repeat(40));
      assert.ok(r.status < 300, JSON.stringify(r.body));
      await d.commentSays(n, 'New push `fffffff`');
      const result = await flow.result();
      assert.equal(result.approval.decision, 'invalidated');
      assert.equal(result.status, 'not deployed');
      assert.equal(world.comments(n).filter((b) => b.includes('New push')).length, 1);
      const late = await d.approve(n, o.late);
      assert.deepEqual([late.status, late.body.status], [200, 'nothing waiting']);
      await d.commentSays(n, `Nothing on this ${o.change} is waiting for approval`);
      assert.equal(hook.calls.length, 0);
      return n;
    },

    /** The `bots`' approvals of a production deploy signal nothing; the change closing ends the flow. */
    async botsNeverApprove(bots: string[]) {
      const { world, hook } = get();
      const n = world.open();
      const flow = await d.requestDeploy(n);
      for (const bot of bots) {
        const r = await d.approve(n, bot);
        assert.notEqual(r.body.status, 'signalled', JSON.stringify(r.body));
      }
      assert.equal((await flow.describe()).status.name, 'RUNNING');
      const state = await flow.query<{ waitingFor?: string }>('approvalState');
      assert.equal(state.waitingFor, 'production');
      assert.ok((await world.close!(n)).status < 300);
      assert.equal((await flow.result()).approval.decision, 'closed');
      assert.equal(hook.calls.length, 0);
    },
  };
  return d;
}

/**
 * `/deploy <environment>` (or `command`) by carol, approved by alice; the deploy hook holds its answer and the worker is
 * SIGKILLed while the deploy waits for it; a new worker deploys exactly once (one Idempotency-Key), and the
 * result is told once. `workers` collects the worker processes for the suite to stop.
 */
export async function deploysOnceAcrossWorkerKill(o: {
  stack: Stack;
  hook: Awaited<ReturnType<typeof startDeployHook>>;
  daemonFile: string;
  env: Record<string, string>;
  workers: WorkerProcess[];
  world: DeployWorld;
  /** The environment the command deploys to (its flow's name for it). */
  environment: string;
  /** The comment that requests the deploy; `/deploy <environment>` unless given. */
  command?: string;
}) {
  const { stack, hook, world, workers, environment } = o;
  workers.push(await startWorkerProcess(o.daemonFile, o.env));
  const n = world.open();
  assert.equal((await world.comment(n, o.command ?? `/deploy ${environment}`, 'carol')).status, 201);
  await until('the plan comment', () =>
    world.comments(n).some((b) => b.includes(`Deploy to \`${environment}\` requested`)),
  );

  // The approval is accepted (in the flow's history); the deploy hook holds its answer, and the worker
  // is killed while the deploy waits for it: the approval is the flow's, not the dead worker's.
  const release = hook.hold();
  const approved = await world.comment(n, '/approve', 'alice');
  assert.deepEqual([approved.status, approved.body.status], [202, 'signalled']);
  await until('the deploy call', () => hook.calls.length > 0);
  await workers.at(-1)!.kill('SIGKILL');
  release();
  workers.push(await startWorkerProcess(o.daemonFile, o.env));

  const flow = stack.client.workflow.getHandle(world.flowId(n, environment));
  await until('the flow ends', async () => (await flow.describe()).status.name !== 'RUNNING', {
    detail: () => `${workers.at(-1)!.output().slice(-3000)}\n${JSON.stringify(world.comments(n))}`,
  });
  const result = await flow.result();
  assert.equal(result.status, 'deployed');
  // The retried call carries the run's Idempotency-Key: one deploy, however often the hook is asked.
  assert.equal(new Set(hook.calls.map((c) => c.key)).size, 1, JSON.stringify(hook.calls));
  assert.equal(result.approval.approvals[0].login, 'alice');
  const finals = world
    .comments(n)
    .filter((b) => b.startsWith(`### Flow \`deploy-prod\` for \`${environment}\`: deployed`));
  assert.equal(finals.length, 1);
}
