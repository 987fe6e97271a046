// The example configuration `npm start` runs, end to end with the built-in models: the review of an
// opened PR finds what the rules look for, and the review fleet posts one comment with its verdict.
import { rendered } from '../../src/sandbox/github/server.js';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { example } from '../../src/fixtures/webhook-examples.js';
import { FakeAnthropic, text, toolUse, systemText } from '../fakes/fake-anthropic.js';
import { startStack, TEST_SECRET, type Stack } from '../harness/stack.js';
import { protectionRuleRequest } from '../../src/fixtures/protection-rule-request.js';
import { until } from '../harness/until.js';
import type { ScheduleHandle } from '@temporalio/client';
import { syncTriggerSchedules } from '../../src/worker/trigger-schedules.js';

const files = [
  {
    filename: 'src/db.ts',
    status: 'added',
    additions: 3,
    deletions: 0,
    patch:
      '@@ -0,0 +1,3 @@\n+export function find(id: string) {\n+  return query(`SELECT * FROM users WHERE id = ${id}`);\n+}',
  },
  {
    filename: 'src/log.ts',
    status: 'modified',
    additions: 1,
    deletions: 1,
    patch: '@@ -10,2 +10,2 @@ export function x() {\n   const a = 1;\n-  return a;\n+  console.log(a); // TODO remove',
  },
];

describe('the shipped example configuration', function () {
  let stack: Stack;
  before(async () => {
    process.env.GITHUB_WEBHOOK_SECRET = TEST_SECRET;
    process.env.GITHUB_TOKEN = 'ghs_test_installation_token';
    stack = await startStack({
      config: resolve(import.meta.dirname, '../../daemon.yaml'),
      env: (url) => ({ AOF_DEPLOY_HOOK_URL: `${url}/_sandbox/deploy` }),
    });
  });
  after(async () => stack?.stop());
  beforeEach(() => stack.sandbox.reset());

  it('deploy on merge: a merged PR into main deploys to staging once; a closed one does not', async () => {
    const merged = example('pull_request', 'closed');
    merged.pull_request.merged = true;
    merged.pull_request.base.ref = 'main';
    const r = await stack.send('pull_request', merged);
    assert.equal(r.body.target?.name, 'deploy-on-merge');
    const result = await stack.client.workflow.getHandle(r.body.workflowId).result();
    assert.equal(result.flow.status, 'completed');
    assert.deepEqual(
      stack.sandbox.deploys.map((d) => d.environment),
      ['staging'],
    );
    assert.ok(
      stack.sandbox.comments.some(
        (c) => rendered(c.body) === 'Merged into main: deployed to staging (hook answered 200).',
      ),
    );

    stack.sandbox.reset();
    const closed = example('pull_request', 'closed');
    closed.pull_request.merged = false;
    closed.pull_request.base.ref = 'main';
    closed.pull_request.number += 1;
    const c = await stack.send('pull_request', closed);
    assert.equal(
      (await stack.client.workflow.getHandle(c.body.workflowId).result()).flow.status,
      'skipped (closed without merge)',
    );
    assert.equal(stack.sandbox.deploys.length, 0);
  });

  it('merging while /deploy production waits: the waiting request closes and the merge still deploys to staging', async () => {
    const pr = stack.withPull(example('pull_request', 'opened'), files);
    pr.pull_request.number = 4242;
    stack.withPull(pr, files);
    const c = example('issue_comment', 'created');
    c.repository = pr.repository;
    c.issue.number = 4242;
    c.issue.pull_request = { url: pr.pull_request.url, html_url: pr.pull_request.html_url };
    c.comment.body = '/deploy production';
    assert.equal((await stack.send('issue_comment', c)).status, 201);
    const waiting = stack.client.workflow.getHandle(
      `flow/${pr.repository.full_name}#4242/deploy-production/production`,
    );
    for (
      let i = 0;
      i < 100 && !stack.sandbox.comments.some((x) => x.body.includes('Deploy to `production` requested'));
      i++
    )
      await new Promise((r) => setTimeout(r, 50));
    const merged = example('pull_request', 'closed');
    merged.repository = pr.repository;
    merged.pull_request.number = 4242;
    merged.pull_request.merged = true;
    merged.pull_request.base.ref = 'main';
    const r = await stack.send('pull_request', merged);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal((await stack.client.workflow.getHandle(r.body.workflowId).result()).flow.status, 'completed');
    assert.equal((await waiting.result()).approval.decision, 'closed');
    assert.deepEqual(
      stack.sandbox.deploys.map((d) => d.environment),
      ['staging'],
    );
    assert.ok(!stack.sandbox.comments.some((x) => x.body.includes('already running')));
  });

  it('an Actions deployment waiting on the protection rule: /approve on its pull request approves the run once', async () => {
    const pr = stack.withPull(example('pull_request', 'opened'), files);
    pr.pull_request.number = 4343;
    stack.withPull(pr, files);
    const repo = String(pr.repository.full_name);
    const request = protectionRuleRequest({
      repo,
      runId: 99,
      environment: 'production',
      sha: pr.pull_request.head.sha,
      apiOrigin: stack.sandbox.url,
      pr: { number: 4343, author: pr.pull_request.user.login },
    });
    const r = await stack.send('deployment_protection_rule', request);
    assert.equal(r.body.target?.name, 'actions-approval', JSON.stringify(r.body));
    await until('the approval request', () =>
      stack.sandbox.comments.some((x) => x.issueNumber === 4343 && x.body.includes('GitHub Actions run 99 waits')),
    );
    const c = example('issue_comment', 'created');
    c.repository = pr.repository;
    c.issue.number = 4343;
    c.issue.pull_request = { url: pr.pull_request.url, html_url: pr.pull_request.html_url };
    c.comment.body = '/approve';
    c.sender.login = 'octocat';
    assert.equal((await stack.send('issue_comment', c)).status, 202);
    const flow = stack.client.workflow.getHandle(`flow/${repo}#4343/actions-approval/production/run-99`);
    assert.equal((await flow.result()).status, 'completed');
    assert.deepEqual(
      stack.sandbox.ruleAnswers.map((a) => [a.runId, a.environment, a.state]),
      [[99, 'production', 'approved']],
    );
  });

  const prComment = (body: string) => {
    const pr = stack.withPull(example('pull_request', 'opened'), files);
    const c = example('issue_comment', 'created');
    c.repository = pr.repository;
    c.issue.number = pr.pull_request.number;
    c.issue.pull_request = { url: pr.pull_request.url, html_url: pr.pull_request.html_url };
    c.comment.body = body;
    return c;
  };

  it('an opened pull request gets the AFA gate check and its comment', async () => {
    const heads: Record<string, string> = {
      'src/db.ts': 'export function find(id: string) {\n  return query(`SELECT * FROM users WHERE id = ${id}`);\n}\n',
      'src/log.ts':
        '// log\n'.repeat(8) + 'export function x() {\n  const a = 1;\n  console.log(a); // TODO remove\n}\n',
    };
    const p = stack.withPull(
      example('pull_request', 'opened'),
      files.map((f) => ({ ...f, content: heads[f.filename] })),
    );
    const r = await stack.send('pull_request', p);
    assert.equal(r.body.status, 'queued');
    assert.equal(r.body.target.name, 'afa');
    // Wait for the gate's own comment (an earlier test's flow may still be posting its last words).
    const gateComment = () => stack.sandbox.comments.find((c) => c.body.includes('<!-- aof-gate-check -->'));
    const gateRun = () => stack.sandbox.checkRuns.find((c) => c.name === 'AFA Gate Check' && c.status === 'completed');
    for (let i = 0; i < 600 && !(gateComment() && gateRun()); i++) await new Promise((res) => setTimeout(res, 100));
    const run = gateRun();
    assert.ok(
      run,
      `no completed gate check run; check runs: ${JSON.stringify(stack.sandbox.checkRuns.map((c) => [c.name, c.status]))}, comments: ${stack.sandbox.comments.length}`,
    );
    assert.deepEqual(run.history, ['in_progress', 'completed:success']);
    assert.equal(run.output.title, 'AFA Gate Check — 5 findings');
    const comment = gateComment()!.body;
    assert.match(comment, /\*\*high\*\* `src\/db\.ts:2` in `find`: SQL built from strings/);
    assert.match(comment, /\*\*low\*\* `src\/log\.ts:11` in `x`: Debug output left in/);
    assert.match(comment, /\*\*info\*\* `src\/db\.ts:1` in `find`: Public function without a doc comment/);
  });

  it('/review: the code reviewer points at the right lines', async () => {
    const r = await stack.send('issue_comment', prComment('/review'));
    await stack.client.workflow.getHandle(r.body.workflowId).result();
    const [comment] = stack.sandbox.comments;
    // The gate's rules, line by line: the same finding at the same severity as the gate check above.
    assert.match(comment!.body, /^### Changes requested: /);
    assert.match(comment!.body, /\*\*high\*\* `src\/db\.ts:2`: SQL built from strings/);
    assert.match(comment!.body, /\*\*low\*\* `src\/log\.ts:11`: Debug output left in/);
    assert.match(comment!.body, /\*\*low\*\* `src\/log\.ts:11`: Unresolved TODO/);
  });

  it('/review-fleet posts one comment with each review and the majority verdict', async () => {
    const r = await stack.send('issue_comment', prComment('/review-fleet'));
    assert.equal(r.body.target?.name, 'review-fleet');
    const result = await stack.client.workflow.getHandle(r.body.workflowId).result();
    assert.equal(stack.sandbox.comments.length, 1);
    const body = stack.sandbox.comments[0]!.body;
    assert.match(body, /^## Fleet review-fleet \(peer\)/);
    // The SQL finding is high for the security and code reviewers; the quality reviewer only comments.
    assert.match(body, /\*\*Decision\*\* — majority: CHANGES_REQUESTED \(CHANGES_REQUESTED 2, COMMENTS 1\)/);
    assert.deepEqual(
      result.fleet!.outcomes.map((o: { member: string }) => o.member),
      ['security-reviewer', 'quality-reviewer', 'code-reviewer'],
    );
  });
  /** Triggers a schedule by hand (a paused one too) and answers its first firing's result. */
  async function fireByHand(handle: ScheduleHandle) {
    await handle.trigger();
    let run: string | undefined;
    await until(
      'the firing',
      async () => (run = (await handle.describe()).info.recentActions[0]?.action.workflow.workflowId) !== undefined,
    );
    return stack.client.workflow.getHandle(run!).result();
  }

  it('the nightly Schedule Trigger: its schedule is created paused, and a firing triages the named issue', async () => {
    const changes = await syncTriggerSchedules(stack.client, stack.resources);
    const change = changes.find((c) => c.scheduleId.endsWith('/nightly-issue-triage'));
    assert.equal(change!.change, 'created');
    const handle = stack.client.schedule.getHandle(change!.scheduleId);
    // The shipped stale-lock sweep's schedule is created paused too (its flow: test/e2e/lock-sweep.test.ts).
    const sweep = stack.client.schedule.getHandle(
      changes.find((c) => c.scheduleId.endsWith('/nightly-lock-sweep'))!.scheduleId,
    );
    try {
      const d = await handle.describe();
      assert.equal(d.state.paused, true);
      assert.equal(d.spec.timezone, 'Europe/Berlin');
      stack.sandbox.addIssue('Codertocat', 'Hello-World', 1);
      // A paused schedule still runs when triggered by hand.
      const result = await fireByHand(handle);
      assert.equal(result.agent.stopped, 'answer');
      assert.equal(stack.sandbox.commentsOn('Codertocat', 'Hello-World', 1).length, 1);
      const s = await sweep.describe();
      assert.equal(s.state.paused, true);
      assert.match(JSON.stringify(s.action.args), /"target":\{"kind":"flow","name":"sweep-stale-locks"\}/);
    } finally {
      await handle.delete();
      await sweep.delete();
    }
  });
  it('the nightly re-review Schedule Trigger: created paused, a firing asks the gate of each open pull request', async () => {
    const change = (await syncTriggerSchedules(stack.client, stack.resources)).find((c) =>
      c.scheduleId.endsWith('/nightly-re-review'),
    );
    assert.ok(change, 'triggers/nightly-re-review.yaml has its schedule');
    const handle = stack.client.schedule.getHandle(change.scheduleId);
    try {
      const d = await handle.describe();
      assert.equal(d.state.paused, true);
      assert.match(JSON.stringify(d.action), /"target":{"kind":"gate","name":"afa"}/);
      // One open pull request of the example's repository (a number no other test's gate uses).
      const head = 'e'.repeat(40);
      stack.sandbox.addPull('Codertocat', 'Hello-World', { number: 9029, state: 'open', head: { sha: head } });
      const result = await fireByHand(handle);
      // Every open pull request the sandbox holds for the repository (earlier tests' among them), ours too.
      const open = [...stack.sandbox.pulls].filter(
        ([k, p]) => k.startsWith('Codertocat/Hello-World#') && (p.pull.state ?? 'open') === 'open',
      );
      assert.ok(open.length >= 1);
      assert.equal(result.reReview.asked, open.length);
      await until('the gate check of the open pull request', () =>
        stack.sandbox.checkRuns.some((c) => c.head_sha === head && c.status === 'completed'),
      );
    } finally {
      await handle.delete();
    }
  });
});

describe('the shipped example configuration with an Anthropic key', function () {
  const fake = new FakeAnthropic();
  let stack: Stack;
  before(async () => {
    process.env.GITHUB_WEBHOOK_SECRET = TEST_SECRET;
    process.env.GITHUB_TOKEN = 'ghs_test_installation_token';
    stack = await startStack({
      config: resolve(import.meta.dirname, '../../daemon.yaml'),
      anthropicUrl: await fake.start(),
    });
  });
  after(async () => {
    await stack?.stop();
    await fake.stop();
  });

  it('the triager asks Claude, with its instructions and tools, instead of the offline model', async () => {
    fake.script(toolUse('github_add_labels', { labels: ['documentation'] }), text('Labelled.'));
    const p = example('issues', 'opened');
    const r = await stack.send('issues', p);
    const result = await stack.client.workflow.getHandle(r.body.workflowId).result();
    assert.equal(result.agent.answer, 'Labelled.');
    assert.equal(fake.requests[0]!.body.model, 'claude-sonnet-4-5');
    assert.match(systemText(fake.requests[0]!.body), new RegExp(`^Analyze issue #${p.issue.number} and:`));
    assert.deepEqual([...stack.sandbox.labels.get(`${p.repository.full_name}#${p.issue.number}`)!], ['documentation']);
  });
});
