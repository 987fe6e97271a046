// `/deploy production` waits for `/approve` from an allowed approver, then calls the deploy hook once.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { example, retarget } from '../../src/fixtures/webhook-examples.js';
import {
  configDir,
  daemonYaml,
  RAISED_CONTENT_LIMITS,
  triggerYaml,
  GITHUB_TEST_PLATFORM,
} from '../harness/config-dir.js';
import { deployFlow, pullRequests, startDeployHook, type HookCall } from '../harness/deploy-hook.js';
import { historyText } from '../harness/history-text.js';
import { startStack, type Stack } from '../harness/stack.js';

describe('deploys approved through PR comments', function () {
  this.timeout(60_000);
  let stack: Stack;
  let dir: string;
  let hook: Awaited<ReturnType<typeof startDeployHook>>;
  let deploys: HookCall[];
  let prs: ReturnType<typeof pullRequests>;
  const hold = () => hook.hold();

  before(async () => {
    process.env.AOF_TEST_DEPLOY_TOKEN = 'deploy-token-never-in-history';
    hook = await startDeployHook();
    deploys = hook.calls;
    dir = configDir({
      // The flood of refused approvals writes a reply each: at 80 content-creating requests a minute, the
      // scenarios after it waited for the pacer.
      'daemon.yaml': daemonYaml(`${GITHUB_TEST_PLATFORM}\n${RAISED_CONTENT_LIMITS}`, '  flows: {directory: flows}\n'),
      'flows/f.yaml': deployFlow(hook.url, 'headers: {Authorization: "Bearer ${AOF_TEST_DEPLOY_TOKEN}"}'),
      'triggers/t.yaml': triggerYaml(
        'deploys',
        'config:\n  github_events: [issue_comment]\ncommands:\n  /deploy production:\n    flow: deploy-prod\n    params: {require_approval: true, approvers: [alice, myorg/sre], min_approvers: 1, environment: production}\n' +
          '  /deploy staging:\n    flow: deploy-prod\n    params: {require_approval: true, min_permission: maintain, environment: staging}\n' +
          '  /deploy:\n    flow: deploy-prod\n    params: {require_approval: true, approvers: [alice]}',
      ),
    });
    stack = await startStack({ config: join(dir, 'daemon.yaml') });
    prs = pullRequests(stack, 'myorg/api', 100);
    stack.sandbox.teams.set('myorg/sre', new Set(['bob']));
    for (const u of ['alice', 'bob', 'mallory', 'octocat'])
      stack.sandbox.permissions.set(`myorg/api:${u}`, u === 'mallory' ? 'read' : 'write');
    stack.sandbox.permissions.set('myorg/api:maya', 'maintain');
    stack.sandbox.permissions.set('myorg/api:tia', 'triage');
  });
  after(async () => {
    await stack?.stop();
    hook?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    stack.sandbox.reset();
    deploys.length = 0;
  });

  /** A PR by `author` in myorg/api with a fresh number, registered in the sandbox. */
  const openPr = (author = 'octocat') => prs.open(author);
  const comment = (
    pr: { number: number; author: string },
    body: string,
    login: string,
    action = 'created',
    id?: number,
  ) => prs.comment(pr, body, login, action, id);
  const flowOf = (number: number, environment = 'production') =>
    stack.client.workflow.getHandle(`flow/myorg/api#${number}/deploy-prod/${encodeURIComponent(environment)}`);
  const bodies = () => stack.sandbox.comments.map((c) => c.body);
  const waitFor = async (pred: () => boolean, what: string) => {
    for (let i = 0; i < 200; i++) {
      if (pred()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}; comments: ${JSON.stringify(bodies())}`);
  };
  const requestDeploy = async (
    pr: { number: number; author: string },
    command = '/deploy production',
    environment = 'production',
  ) => {
    const r = await stack.send('issue_comment', comment(pr, command, 'carol'));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    await waitFor(
      () => bodies().some((b) => b.includes(`Deploy to \`${environment}\` requested by @carol`)),
      'the plan comment',
    );
    return flowOf(pr.number, environment);
  };

  it('an allowed approver approves: the hook is called once and the PR shows the record', async () => {
    const pr = openPr();
    const flowRun = await requestDeploy(pr);
    await waitFor(
      () =>
        stack.sandbox.checkRuns.some(
          (c) => c.name === 'deploy production' && c.output.title === 'deploy production: awaiting approval',
        ),
      'the awaiting-approval check run',
    );
    const r = await stack.send('issue_comment', comment(pr, '/approve', 'alice'));
    assert.deepEqual([r.status, r.body.status], [202, 'signalled']);
    const result = await flowRun.result();
    assert.equal(result.status, 'deployed');
    assert.equal(deploys.length, 1);
    assert.equal(deploys[0]!.path, '/deploy/production');
    assert.equal(result.approval.approvals[0].login, 'alice');
    assert.equal(result.approval.approvals[0].sha, pr.sha);
    assert.equal(result.approval.approvals[0].permission, 'write');
    const final = bodies().find((b) => b.startsWith('### Flow `deploy-prod` for `production`: deployed'))!;
    assert.match(final, /\| @alice \| .* \| `aaaaaaa` \| write \| listed as alice \|/);
    assert.equal(stack.sandbox.checkRuns.find((c) => c.name === 'deploy production')!.conclusion, 'success');
    // Findable in the Web UI by repository, kind and state, like every run.
    const found: string[] = [];
    const query = `AofRepository = 'myorg/api' AND AofKind = 'flow' AND AofNumber = ${pr.number} AND AofState = 'deployed'`;
    for (let i = 0; i < 50 && !found.length; i++) {
      for await (const w of stack.client.workflow.list({ query })) found.push(w.workflowId);
      if (!found.length) await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(found, [flowRun.workflowId]);
    // The hook's credential came from the worker's environment; no history holds it.
    assert.equal(deploys[0]!.authorization, 'Bearer deploy-token-never-in-history');
    const history = await historyText(flowRun);
    assert.ok(!history.includes('deploy-token-never-in-history'), 'the credential is in the history');
    assert.ok(history.includes('${AOF_TEST_DEPLOY_TOKEN}'), 'the history names the variable');
  });

  it('event data lands in the hook URL encoded: a path in the environment name cannot leave the path segment', async () => {
    const pr = openPr();
    const flowRun = await requestDeploy(pr, '/deploy ../../admin?x=1#', '../../admin?x=1#');
    await stack.send('issue_comment', comment(pr, '/approve', 'alice'));
    assert.equal((await flowRun.result()).status, 'deployed');
    assert.deepEqual(
      deploys.map((d) => d.path),
      ['/deploy/..%2F..%2Fadmin%3Fx%3D1%23'],
    );
  });

  it('approvers by role: maintain counts as maintain (not the legacy "write"); triage and non-collaborators are refused with a reply and the request keeps waiting', async () => {
    const pr = openPr();
    const flowRun = await requestDeploy(pr, '/deploy staging', 'staging');
    for (const login of ['Copilot', 'tia']) {
      await stack.send('issue_comment', comment(pr, '/approve', login));
      await waitFor(
        () => bodies().some((b) => b.includes(`@${login} is not an approver for \`staging\``)),
        `the reply to ${login}`,
      );
    }
    const { status } = await flowRun.describe();
    assert.equal(status.name, 'RUNNING', 'a 404 from the permission API does not fail the flow');
    await stack.send('issue_comment', comment(pr, '/approve', 'maya'));
    const result = await flowRun.result();
    assert.equal(result.status, 'deployed');
    assert.deepEqual(
      [result.approval.approvals[0].login, result.approval.approvals[0].permission],
      ['maya', 'maintain'],
    );
  });

  it('a team member approves through the team membership API', async () => {
    const pr = openPr();
    const flowRun = await requestDeploy(pr);
    await stack.send('issue_comment', comment(pr, '/approve', 'bob'));
    assert.equal((await flowRun.result()).approval.approvals[0].via, 'member of myorg/sre');
    assert.equal(deploys.length, 1);
  });

  it('refuses the PR author, outsiders and edited comments, and says why; an approver then approves', async () => {
    const pr = openPr('alice');
    const flowRun = await requestDeploy(pr);
    await stack.send('issue_comment', comment(pr, '/approve', 'alice'));
    await waitFor(
      () => bodies().some((b) => b.includes('@alice you opened this pull request')),
      'the self-approval reply',
    );
    await stack.send('issue_comment', comment(pr, '/approve', 'mallory'));
    await waitFor(
      () => bodies().some((b) => b.includes('@mallory is not an approver for `production`')),
      'the outsider reply',
    );
    const edited = await stack.send('issue_comment', comment(pr, '/approve', 'bob', 'edited'));
    assert.equal(edited.status, 202);
    assert.match(edited.body.reason, /commands run only on created comments/);
    assert.equal(deploys.length, 0);
    await stack.send('issue_comment', comment(pr, '/approve', 'bob'));
    assert.equal((await flowRun.result()).status, 'deployed');
    assert.equal(deploys.length, 1);
  });

  it('/reject stops the deploy; /approve with nothing waiting is answered', async () => {
    const pr = openPr();
    const flowRun = await requestDeploy(pr);
    await stack.send('issue_comment', comment(pr, '/reject not during the freeze', 'bob'));
    const result = await flowRun.result();
    assert.equal(result.status, 'not deployed');
    assert.ok(bodies().some((b) => b.includes('rejected by @bob: not during the freeze')));
    const other = openPr();
    const r = await stack.send('issue_comment', comment(other, '/approve', 'alice'));
    assert.deepEqual([r.status, r.body.status], [200, 'nothing waiting']);
    await waitFor(
      () => bodies().some((b) => b.includes('Nothing on this pull request is waiting for approval')),
      'the nothing-waiting reply',
    );
    assert.equal(deploys.length, 0);
  });

  /** `/deploy production` on `pr`, approved at once; resolves once it waits at `position` of the queue. */
  const approvedAndQueued = async (pr: { number: number; author: string }, position: number) => {
    const on = () => stack.sandbox.commentsOn('myorg', 'api', pr.number).map((c) => c.body);
    await stack.send('issue_comment', comment(pr, '/deploy production', 'carol'));
    await waitFor(
      () => on().some((b) => b.includes('Deploy to `production` requested by @carol')),
      `#${pr.number}'s plan`,
    );
    // The approval wait is outside the queue: approvers act while another deploy holds the lock.
    const r = await stack.send('issue_comment', comment(pr, '/approve', 'alice'));
    assert.deepEqual([r.status, r.body.status], [202, 'signalled']);
    await waitFor(
      () => on().some((b) => b.startsWith(`Queued for \`production\`: position ${position}`)),
      `position ${position} for #${pr.number}`,
    );
  };
  /** A deploy of `pr` approved and running, its hook held: it holds the lock until the returned call. */
  const deploying = async (pr: { number: number; author: string }) => {
    const run = await requestDeploy(pr);
    const resume = hold();
    await stack.send('issue_comment', comment(pr, '/approve', 'alice'));
    await waitFor(() => deploys.length === 1, `#${pr.number}'s deploy to start`);
    return { run, resume };
  };

  it('approved requests queue for the same environment while one deploys; a closed PR leaves the queue', async () => {
    const a = openPr();
    const { run: runA, resume } = await deploying(a);
    const b = openPr();
    await approvedAndQueued(b, 1);
    const c = openPr();
    await approvedAndQueued(c, 2);
    assert.equal(deploys.length, 1, 'B waits for the lock');
    await waitFor(
      () =>
        stack.sandbox.checkRuns.some(
          (r) => r.head_sha === c.sha && r.output.title === 'deploy production: queued, position 2',
        ),
      'the queued check run',
    );

    // C is closed while queued: it leaves the queue.
    const closed = retarget(example('pull_request', 'closed'), 'myorg/api');
    closed.pull_request.number = c.number;
    await stack.send('pull_request', closed);
    const runC = flowOf(c.number);
    assert.equal((await runC.result()).status, 'closed while queued');
    assert.equal(stack.sandbox.checkRuns.find((r) => r.head_sha === c.sha)!.conclusion, 'cancelled');

    // A deploys and releases the lock: B, approved already, takes it and deploys.
    resume();
    assert.equal((await runA.result()).status, 'deployed');
    assert.equal((await flowOf(b.number).result()).status, 'deployed');
    assert.equal(deploys.length, 2);
    assert.notEqual(deploys[0]!.key, deploys[1]!.key);
  });

  it('a redelivered approval counts once; a push voids pending approvals', async () => {
    const pr = openPr();
    const flowRun = await requestDeploy(pr);
    // One comment delivered twice (same delivery GUID): answered once.
    const c = comment(pr, '/approve', 'mallory', 'created', 4242);
    const first = await stack.send('issue_comment', c);
    await stack.send('issue_comment', c, { delivery: first.delivery });
    await waitFor(() => bodies().filter((b) => b.includes('@mallory is not an approver')).length >= 1, 'the reply');
    const push = retarget(example('pull_request', 'synchronize'), 'myorg/api');
    push.pull_request.number = pr.number;
    push.pull_request.head.sha = 'b'.repeat(40);
    await stack.send('pull_request', push);
    const result = await flowRun.result();
    assert.equal(result.status, 'not deployed');
    assert.equal(result.approval.decision, 'invalidated');
    assert.ok(bodies().some((b) => b.startsWith('New push `bbbbbbb`')));
    assert.equal(
      bodies().filter((b) => b.includes('@mallory is not an approver')).length,
      1,
      'the redelivery was counted once',
    );
    assert.equal(deploys.length, 0);
  });

  it('a flood of refused /approve comments: each login answered once, one permission call each, the history stays small', async () => {
    const pr = openPr();
    const flowRun = await requestDeploy(pr);
    const before = stack.sandbox.requests.filter((q) => q.path.includes('/permission')).length;
    const answers = [];
    for (let i = 0; i < 40; i++)
      answers.push((await stack.send('issue_comment', comment(pr, '/approve', i % 2 ? 'mallory' : 'tia'))).body.status);
    await waitFor(() => bodies().filter((b) => / is not an approver/.test(b)).length >= 2, 'the two replies');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(bodies().filter((b) => b.includes('@mallory is not an approver')).length, 1);
    assert.equal(bodies().filter((b) => b.includes('@tia is not an approver')).length, 1);
    assert.equal(stack.sandbox.requests.filter((q) => q.path.includes('/permission')).length - before, 2);
    assert.ok(answers.filter((a) => a === 'ignored').length >= 36, answers.join(','));
    const { historyLength } = await flowRun.describe();
    assert.ok(historyLength < 120, `history grew to ${historyLength} events`);
    await stack.send('issue_comment', comment(pr, '/approve', 'alice'));
    assert.equal((await flowRun.result()).status, 'deployed');
  });

  it('a late /approve, once the request is decided, is answered "nothing waiting"', async () => {
    const pr = openPr();
    const flowRun = await requestDeploy(pr);
    await stack.send('issue_comment', comment(pr, '/approve', 'alice'));
    await flowRun.result();
    const late = await stack.send('issue_comment', comment(pr, '/approve', 'bob'));
    assert.deepEqual([late.status, late.body.status], [200, 'nothing waiting']);
    await waitFor(
      () => bodies().some((b) => b.includes('Nothing on this pull request is waiting for approval')),
      'the reply',
    );
  });

  it('flows of different environments wait side by side; /approve names one when both wait', async () => {
    const pr = openPr();
    const prod = await requestDeploy(pr);
    stack.sandbox.permissions.set('myorg/api:maya', 'maintain');
    const staging = await requestDeploy(pr, '/deploy staging', 'staging');
    const ambiguous = await stack.send('issue_comment', comment(pr, '/approve', 'alice'));
    assert.deepEqual([ambiguous.body.status, ambiguous.body.environments], ['ambiguous', ['production', 'staging']]);
    await waitFor(
      () => bodies().some((b) => b.startsWith('Several deploys on this pull request wait for approval')),
      'the reply',
    );
    assert.equal((await stack.send('issue_comment', comment(pr, '/approve staging', 'maya'))).status, 202);
    assert.equal((await staging.result()).status, 'deployed');
    assert.equal((await stack.send('issue_comment', comment(pr, '/approve', 'alice'))).status, 202);
    assert.equal((await prod.result()).status, 'deployed');
    assert.deepEqual(deploys.map((d) => d.path).sort(), ['/deploy/production', '/deploy/staging']);
  });

  it('a second /deploy after the first one finished deploys again: the idempotency key is the run’s own', async () => {
    const pr = openPr();
    let flowRun = await requestDeploy(pr);
    await stack.send('issue_comment', comment(pr, '/approve', 'alice'));
    assert.equal((await flowRun.result()).status, 'deployed');
    stack.sandbox.reset();
    flowRun = await requestDeploy(pr);
    await stack.send('issue_comment', comment(pr, '/approve', 'alice'));
    assert.equal((await flowRun.result()).status, 'deployed');
    assert.equal(deploys.length, 2);
    assert.notEqual(deploys[0]!.key, deploys[1]!.key);
  });

  it('a lock outlives its holders: a cancelled waiter leaves the queue, a terminated one is dropped, the next one deploys', async () => {
    const a = openPr();
    const { run: runA, resume } = await deploying(a);
    const [b, c, d] = [openPr(), openPr(), openPr()];
    await approvedAndQueued(b, 1);
    await approvedAndQueued(c, 2);
    await flowOf(b.number).cancel();
    await waitFor(
      () =>
        stack.sandbox
          .commentsOn('myorg', 'api', c.number)
          .some((x) => x.body.startsWith('Queued for `production`: position 1')),
      'C to move up',
    );
    await approvedAndQueued(d, 2);
    await flowOf(c.number).terminate('an operator ended it without releasing the lock');
    resume();
    assert.equal((await runA.result()).status, 'deployed');
    assert.equal((await flowOf(d.number).result()).status, 'deployed');
    assert.equal(deploys.length, 2);
  });

  it('a flow that hits a bug fails visibly and releases its lock instead of retrying for ever', async () => {
    const onIssue = comment({ number: 555, author: 'octocat' }, '/deploy production', 'carol');
    delete onIssue.issue.pull_request; // an approval needs a pull request's head: this one has none
    const r = await stack.send('issue_comment', onIssue);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const broken = stack.client.workflow.getHandle('flow/myorg/api#555/deploy-prod/production');
    for (let i = 0; i < 100; i++) {
      const status = await broken.describe().then(
        (d) => d.status.name,
        () => 'NOT_FOUND',
      );
      if (status === 'FAILED') break;
      await new Promise((res) => setTimeout(res, 100));
    }
    const err = await broken.result().catch((e) => e);
    assert.match(String(err.cause?.message), /flow "deploy-prod" failed: /);
    assert.equal(err.cause?.type, 'FlowError');
    const pr = openPr();
    const next = await requestDeploy(pr); // the lock is free at once
    await stack.send('issue_comment', comment(pr, '/approve', 'alice'));
    assert.equal((await next.result()).status, 'deployed');
  });
});
