// Issue 22, item 5: a deploy request waits for approval outside the environment's queue, so a request
// nobody will approve (a read-only user's `/deploy production`) cannot freeze the environment, and an
// approver can act on a request while another deploy holds the lock. Item 9: event values land in a JSON
// body escaped, so `/deploy staging","sha":"x` cannot add a key.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { example, retarget } from '../../src/fixtures/webhook-examples.js';
import { approvalStateQuery } from '../../workflows/definitions.js';
import { configDir, daemonYaml, triggerYaml, GITHUB_TEST_PLATFORM } from '../harness/config-dir.js';
import { deployFlow, pullRequests, startDeployHook, type HookCall } from '../harness/deploy-hook.js';
import { startStack, type Stack } from '../harness/stack.js';

const flows = (hook: string) => `${deployFlow(hook)}---
apiVersion: aof.dev/v1
kind: AgentFlow
metadata: {name: notify}
spec:
  nodes:
    - id: start
      type: http
      config:
        url: "${hook}/notify"
        body: '{"sha":"from-the-yaml","environment":"\${event.environment}","requested_by":"{{ metadata.sender_login }}"}'
    - {id: done, type: end}
  connections:
    - {from: start, to: done}
`;

describe('hostile deploy requests and the environment lock', function () {
  this.timeout(60_000);
  let stack: Stack;
  let dir: string;
  let hook: Awaited<ReturnType<typeof startDeployHook>>;
  let calls: HookCall[];
  let prs: ReturnType<typeof pullRequests>;
  const hold = () => hook.hold();

  before(async () => {
    hook = await startDeployHook();
    calls = hook.calls;
    dir = configDir({
      'daemon.yaml': daemonYaml(GITHUB_TEST_PLATFORM, '  flows: {directory: flows}\n'),
      'flows/f.yaml': flows(hook.url),
      'triggers/t.yaml': triggerYaml(
        'deploys',
        'config:\n  github_events: [issue_comment]\ncommands:\n  /deploy production:\n    flow: deploy-prod\n    params: {approvers: [alice, bob], environment: production}\n' +
          '  /notify:\n    flow: notify\n    params: {lock: false}',
      ),
    });
    stack = await startStack({ config: join(dir, 'daemon.yaml') });
    prs = pullRequests(stack, 'lockorg/api', 700, 'c');
    for (const u of ['alice', 'bob', 'mallory', 'octocat'])
      stack.sandbox.permissions.set(`lockorg/api:${u}`, u === 'mallory' ? 'read' : 'write');
  });
  after(async () => {
    await stack?.stop();
    hook?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    stack.sandbox.reset();
    calls.length = 0;
  });

  const openPr = () => prs.open();
  const comment = (pr: { number: number; author: string }, body: string, login: string) => prs.comment(pr, body, login);
  const flowOf = (number: number) =>
    stack.client.workflow.getHandle(`flow/lockorg/api#${number}/deploy-prod/production`);
  const on = (pr: { number: number }) => stack.sandbox.commentsOn('lockorg', 'api', pr.number).map((c) => c.body);
  const waitFor = async (pred: () => boolean, what: string) => {
    for (let i = 0; i < 400; i++) {
      if (pred()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(
      `timed out waiting for ${what}; comments: ${JSON.stringify(stack.sandbox.comments.map((c) => c.body))}`,
    );
  };
  /** `/deploy production` by `login`; resolves once the plan asks for approval. */
  const requestDeploy = async (pr: { number: number; author: string }, login: string) => {
    const r = await stack.send('issue_comment', comment(pr, '/deploy production', login));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    await waitFor(
      () => on(pr).some((b) => b.includes(`Deploy to \`production\` requested by @${login}`)),
      `the plan on #${pr.number}`,
    );
    return flowOf(pr.number);
  };
  const approve = async (pr: { number: number; author: string }, login: string) => {
    const r = await stack.send('issue_comment', comment(pr, '/approve', login));
    return [r.status, r.body.status];
  };

  it("a read-only user's /deploy production waiting for approval does not keep an approver's deploy on another PR from deploying", async () => {
    const frozen = openPr();
    const hostile = await requestDeploy(frozen, 'mallory');
    const pr = openPr();
    const run = await requestDeploy(pr, 'alice');
    assert.ok(!on(pr).some((b) => b.startsWith('Queued for')), 'the request waits in no queue');
    assert.deepEqual(await approve(pr, 'alice'), [202, 'signalled']);
    assert.equal((await run.result()).status, 'deployed');
    assert.deepEqual(
      calls.map((c) => c.path),
      ['/deploy/production'],
    );
    // The hostile request still waits for an approval nobody gives; it held nothing.
    assert.equal((await hostile.query(approvalStateQuery)).waitingFor, 'production');
    assert.deepEqual(await approve(frozen, 'bob'), [202, 'signalled']);
    assert.equal((await hostile.result()).status, 'deployed');
    assert.equal(calls.length, 2);
    assert.notEqual(calls[0]!.key, calls[1]!.key);
  });

  it("an approver's /approve on a request queued behind a running deploy is accepted; each deploys once, in turn", async () => {
    const a = openPr();
    const runA = await requestDeploy(a, 'carol');
    const resume = hold();
    assert.deepEqual(await approve(a, 'alice'), [202, 'signalled']);
    await waitFor(() => calls.length === 1, "A's deploy to start");
    // A deploys and holds the lock: B asks, and is approved while A runs.
    const b = openPr();
    const runB = await requestDeploy(b, 'carol');
    assert.deepEqual(await approve(b, 'bob'), [202, 'signalled']);
    await waitFor(() => on(b).some((x) => x.startsWith('Queued for `production`: position 1')), 'B in the queue');
    await waitFor(
      () =>
        stack.sandbox.checkRuns.some(
          (r) => r.head_sha === b.sha && r.output.title === 'deploy production: queued, position 1',
        ),
      "B's check run showing the queue",
    );
    assert.equal(calls.length, 1, 'B waits for the lock');
    resume();
    assert.equal((await runA.result()).status, 'deployed');
    const resultB = await runB.result();
    assert.equal(resultB.status, 'deployed');
    assert.deepEqual([resultB.approval.approvals[0].login, resultB.approval.approvals[0].sha], ['bob', b.sha]);
    assert.equal(calls.length, 2, 'each deploy once');
    assert.notEqual(calls[0]!.key, calls[1]!.key);
    const checks = stack.sandbox.checkRuns.filter((r) => r.head_sha === b.sha);
    assert.deepEqual(
      checks.map((r) => [r.name, r.conclusion]),
      [['deploy production', 'success']],
    );
  });

  it('a push while an approved request waits for the lock voids its approvals: it leaves the queue, nothing deploys', async () => {
    const a = openPr();
    const runA = await requestDeploy(a, 'carol');
    const resume = hold();
    await approve(a, 'alice');
    await waitFor(() => calls.length === 1, "A's deploy to start");
    const b = openPr();
    const runB = await requestDeploy(b, 'carol');
    await approve(b, 'bob');
    await waitFor(() => on(b).some((x) => x.startsWith('Queued for `production`: position 1')), 'B in the queue');
    const push = retarget(example('pull_request', 'synchronize'), 'lockorg/api');
    push.pull_request.number = b.number;
    push.pull_request.head.sha = 'd'.repeat(40);
    await stack.send('pull_request', push);
    const resultB = await runB.result();
    assert.equal(resultB.status, 'superseded while queued');
    assert.equal(resultB.approval.decision, 'invalidated');
    assert.ok(on(b).some((x) => x.startsWith('New push `ddddddd`')));
    assert.equal(stack.sandbox.checkRuns.find((r) => r.head_sha === b.sha)!.conclusion, 'cancelled');
    resume();
    assert.equal((await runA.result()).status, 'deployed');
    assert.equal(calls.length, 1, 'only A deployed');
  });

  it('event values in a JSON string body are escaped: `/notify staging","sha":"x` stays one value, the sha stays the one in the YAML', async () => {
    const pr = openPr();
    const r = await stack.send('issue_comment', comment(pr, '/notify staging","sha":"x', 'carol'));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    await waitFor(() => calls.some((c) => c.path === '/notify'), 'the notify call');
    const sent = JSON.parse(calls.find((c) => c.path === '/notify')!.body);
    // Unescaped, the body read {"sha":"from-the-yaml","environment":"staging","sha":"x",...}: the comment chose the sha.
    assert.deepEqual(sent, { sha: 'from-the-yaml', environment: 'staging","sha":"x', requested_by: 'carol' });
  });
});
