// Custom deployment protection rules: a GitHub Actions deployment waits for this App's decision. Signed
// `deployment_protection_rule` deliveries into the real ingress, a real worker process (SIGKILLed between
// the request and the approval), the shared dev server, and the GitHub sandbox, which keeps the Actions
// runs waiting on their rules and records every answer as GitHub would take it (one per rule). The file
// writes more than GitHub's 80 content-creating requests a minute, so the worker's pacer holds some writes
// back for up to a minute: the waits below allow for it.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import {
  configDir,
  daemonYaml,
  triggerYaml,
  RAISED_CONTENT_LIMITS,
  GITHUB_TEST_PLATFORM,
} from '../harness/config-dir.js';
import { example, retarget } from '../../src/fixtures/webhook-examples.js';
import { pullRequests } from '../harness/deploy-hook.js';
import { protectionRuleRequest } from '../../src/fixtures/protection-rule-request.js';
import { startStack, type Stack } from '../harness/stack.js';
import { until } from '../harness/until.js';
import { startWorkerProcess, workerEnvFor, type WorkerProcess } from '../harness/worker-process.js';

/** How long a write may wait for the pacer (GitHub's per-minute budget of content-creating requests). */
const PACED_MS = 150_000;

const FLOW = `apiVersion: aof.dev/v1
kind: AgentFlow
metadata: {name: actions-gate}
spec:
  nodes:
    - {id: start, type: approval}
    - {id: done, type: end}
    - {id: stopped, type: end, config: {status: "not approved"}}
  connections:
    - {from: start, to: done, when: "start.output == 'approved'"}
    - {from: start, to: stopped}
`;

describe('custom deployment protection rules: an Actions deployment waits for the flow', function () {
  this.timeout(600_000);
  let stack: Stack;
  let dir: string;
  let env: Record<string, string>;
  const workers: WorkerProcess[] = [];
  let runs = 7_000;

  before(async () => {
    dir = configDir({
      // At 80 content-creating requests a minute these scenarios waited for the pacer a minute each.
      'daemon.yaml': daemonYaml(`${GITHUB_TEST_PLATFORM}\n${RAISED_CONTENT_LIMITS}`, '  flows: {directory: flows}\n'),
      'flows/f.yaml': FLOW,
      'triggers/t.yaml': triggerYaml(
        'actions',
        'config:\n  github_events: [deployment_protection_rule]\n  repositories: [ruleorg/api]\ncommands:\n  deployment_protection_rule.requested: {flow: actions-gate, params: {approvers: [alice]}}',
      ),
      'triggers/u.yaml': triggerYaml(
        'actions-quick',
        'config:\n  github_events: [deployment_protection_rule]\n  repositories: [ruleorg/quick]\ncommands:\n  deployment_protection_rule.requested: {flow: actions-gate, params: {approvers: [alice], timeout: 2s}}',
      ),
    });
    stack = await startStack({ config: join(dir, 'daemon.yaml'), withWorker: false });
    env = await workerEnvFor(stack);
    stack.sandbox.permissions.set('ruleorg/api:alice', 'write');
    workers.push(await startWorkerProcess(join(dir, 'daemon.yaml'), env));
  });
  after(async () => {
    for (const w of workers) await w.kill();
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A pull request of `repo` and the Actions run deploying its head to `environment`, requested through the ingress. */
  async function request(repo: string, environment = 'production', prs = pullRequests(stack, repo, runs)) {
    const pr = prs.open('octocat');
    const runId = ++runs;
    const payload = protectionRuleRequest({
      repo,
      runId,
      environment,
      sha: pr.sha,
      apiOrigin: stack.sandbox.url,
      pr: { number: pr.number, author: pr.author },
    });
    const r = await stack.send('deployment_protection_rule', payload);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const flowId = `flow/${repo}#${pr.number}/actions-gate/${environment}/run-${runId}`;
    await until(
      'the approval request',
      () =>
        stack.sandbox
          .commentsOn(...(repo.split('/') as [string, string]), pr.number)
          .some((c) => c.body.includes(`GitHub Actions run ${runId} waits for this decision`)),
      { ms: PACED_MS },
    );
    return { pr, prs, runId, payload, delivery: r.delivery, flow: stack.client.workflow.getHandle(flowId) };
  }
  const answersFor = (runId: number) => stack.sandbox.ruleAnswers.filter((a) => a.runId === runId);

  it('waits through a worker SIGKILL; /approve by an allowed approver releases it exactly once', async () => {
    const { pr, prs, runId, flow } = await request('ruleorg/api');
    assert.equal((await flow.describe()).status.name, 'RUNNING');
    assert.deepEqual(answersFor(runId), [], 'nothing answered while the approval waits');

    await workers.at(-1)!.kill('SIGKILL');
    workers.push(await startWorkerProcess(join(dir, 'daemon.yaml'), env));

    // The author of the pull request may not approve its deploy; a listed approver may.
    const own = await stack.send('issue_comment', prs.comment(pr, '/approve', 'octocat'));
    assert.deepEqual([own.status, own.body.status], [202, 'signalled']);
    const ok = await stack.send('issue_comment', prs.comment(pr, '/approve', 'alice'));
    assert.deepEqual([ok.status, ok.body.status], [202, 'signalled']);

    const result = await flow.result();
    assert.equal(result.status, 'completed');
    assert.deepEqual(
      answersFor(runId).map((a) => [a.environment, a.state, a.comment]),
      [['production', 'approved', 'Flow actions-gate: completed, approved by @alice.']],
    );
    assert.deepEqual(result.protectionRule, {
      state: 'approved',
      comment: 'Flow actions-gate: completed, approved by @alice.',
      answered: true,
    });
    assert.ok(
      stack.sandbox.comments.some((c) => c.body.includes('you opened this pull request, so you cannot approve')),
    );
    assert.deepEqual(stack.sandbox.violations, []);
  });

  it('/reject by an approver answers rejected, once, with the reason', async () => {
    const { pr, prs, runId, flow } = await request('ruleorg/api', 'staging');
    const r = await stack.send('issue_comment', prs.comment(pr, '/reject not this week', 'alice'));
    assert.deepEqual([r.status, r.body.status], [202, 'signalled']);
    const result = await flow.result();
    assert.equal(result.status, 'not approved');
    assert.deepEqual(
      answersFor(runId).map((a) => [a.environment, a.state, a.comment]),
      [['staging', 'rejected', 'Flow actions-gate: rejected: not this week.']],
    );
  });

  it('an answer GitHub took whose reply was lost is not given twice', async () => {
    const { pr, prs, runId, flow } = await request('ruleorg/api', 'eu');
    stack.sandbox.failAfterCommit(1, 'status500', /deployment_protection_rule$/);
    assert.equal((await stack.send('issue_comment', prs.comment(pr, '/approve', 'alice'))).status, 202);
    const result = await flow.result();
    assert.deepEqual(
      answersFor(runId).map((a) => a.state),
      ['approved'],
    );
    const posts = stack.sandbox.requests.filter((r) => r.path.endsWith(`/runs/${runId}/deployment_protection_rule`));
    assert.deepEqual(
      posts.map((r) => r.status),
      [500, 422],
      'the retry met the rule answered',
    );
    assert.equal(result.protectionRule.answered, true);
    assert.match(result.protectionRule.note, /taken by an earlier attempt/);
  });

  it('a push to the pull request voids the request: rejected once, saying so', async () => {
    const { pr, runId, flow } = await request('ruleorg/api', 'us');
    const push = retarget(example('pull_request', 'synchronize'), 'ruleorg/api');
    push.pull_request.number = pr.number;
    push.pull_request.head.sha = 'f'.repeat(40);
    assert.ok((await stack.send('pull_request', push)).status < 300);
    assert.equal((await flow.result()).approval.decision, 'invalidated');
    assert.deepEqual(
      answersFor(runId).map((a) => [a.state, a.comment]),
      [['rejected', 'Flow actions-gate: a new push voided the approvals.']],
    );
  });

  it('an approval that times out answers rejected, once, saying it expired', async () => {
    const { runId, flow } = await request('ruleorg/quick');
    const result = await flow.result();
    assert.equal(result.approval.decision, 'expired');
    assert.deepEqual(
      answersFor(runId).map((a) => [a.state, a.comment]),
      [['rejected', 'Flow actions-gate: the approval request expired without enough approvals.']],
    );
  });

  it('a redelivered request starts nothing new and answers nothing twice', async () => {
    const { pr, prs, runId, payload, delivery, flow } = await request('ruleorg/api', 'canary');
    const again = await stack.send('deployment_protection_rule', payload, { delivery });
    assert.deepEqual([again.status, again.body.status], [200, 'duplicate']);
    assert.equal((await stack.send('issue_comment', prs.comment(pr, '/approve', 'alice'))).status, 202);
    assert.equal((await flow.result()).status, 'completed');
    assert.deepEqual(
      answersFor(runId).map((a) => a.state),
      ['approved'],
    );
  });

  it('without a pull request it asks on the commit, where /approve releases it once; its starter may not approve', async () => {
    const runId = ++runs;
    const sha = `${runId}`.padStart(40, 'c');
    const payload = protectionRuleRequest({
      repo: 'ruleorg/api',
      runId,
      environment: 'production',
      sha,
      apiOrigin: stack.sandbox.url,
      sender: 'carol',
    });
    assert.equal((await stack.send('deployment_protection_rule', payload)).status, 201);
    const onCommit = () => stack.sandbox.commitComments.filter((c) => c.commitId === sha).map((c) => c.body);
    await until(
      'the approval request on the commit',
      () => onCommit().some((b) => b.includes(`GitHub Actions run ${runId} waits for this decision`)),
      { ms: PACED_MS },
    );
    const commitComment = (body: string, login: string) => {
      const c = retarget(example('commit_comment', 'created'), 'ruleorg/api');
      Object.assign(c.comment, { commit_id: sha, body, id: Math.floor(Math.random() * 1e9) });
      c.sender.login = login;
      return stack.send('commit_comment', c);
    };
    const own = await commitComment('/approve', 'carol');
    assert.deepEqual([own.status, own.body.status], [202, 'signalled']);
    await until('the refusal', () => onCommit().some((b) => b.includes('you started this deployment')), {
      ms: PACED_MS,
    });
    const ok = await commitComment('/approve', 'alice');
    assert.deepEqual([ok.status, ok.body.status], [202, 'signalled']);

    const flow = stack.client.workflow.getHandle(`flow/ruleorg/api@${sha}/actions-gate/production/run-${runId}`);
    assert.equal((await flow.result()).status, 'completed');
    assert.deepEqual(
      answersFor(runId).map((a) => [a.state, a.comment]),
      [['approved', 'Flow actions-gate: completed, approved by @alice.']],
    );
    // Nothing waits on the commit any more: a late approval signals nothing.
    const late = await commitComment('/approve', 'alice');
    assert.deepEqual([late.status, late.body.status], [200, 'nothing waiting']);
  });

  it('a callback URL on another host is refused: that host is never contacted, nothing starts', async () => {
    const contacted: string[] = [];
    const hostile = createServer((req, res) => {
      contacted.push(`${req.method} ${req.url}`);
      res.writeHead(204).end();
    });
    await new Promise<void>((r) => hostile.listen(0, '127.0.0.1', r));
    try {
      const origin = `http://127.0.0.1:${(hostile.address() as { port: number }).port}`;
      const runId = ++runs;
      const payload = protectionRuleRequest({
        repo: 'ruleorg/api',
        runId,
        environment: 'production',
        sha: 'e'.repeat(40),
        apiOrigin: origin,
        pr: { number: 1, author: 'octocat' },
      });
      const r = await stack.send('deployment_protection_rule', payload);
      assert.equal(r.status, 403, JSON.stringify(r.body));
      assert.match(r.body.error, /not on the configured GitHub API/);
      await assert.rejects(
        stack.client.workflow.getHandle(`github-delivery-${r.delivery.toLowerCase()}`).describe(),
        /not found/i,
      );
      assert.deepEqual(contacted, []);
      assert.deepEqual(answersFor(runId), []);
    } finally {
      hostile.close();
    }
  });
});
