// Cost amplifiers for anyone who can comment, over the real stack (ingress over HTTP, Temporal, a worker,
// the GitHub sandbox): agent runs count against the repository owner's and the sender's budget window
// (spec.budgets), and a refused run is answered once per pull request and window; a command that changes
// nothing (`/approve` with nothing waiting) is answered once per pull request and window.
import assert from 'node:assert/strict';
import { WorkflowNotFoundError } from '@temporalio/client';
import { example, retarget } from '../../src/fixtures/webhook-examples.js';
import { deliveryWorkflowId } from '../../src/temporal/workflow-ids.js';
import { agentYaml, daemonYaml, triggerYaml } from '../harness/config-dir.js';
import { startStackFor, type Stack } from '../harness/stack.js';
import { until } from '../harness/until.js';

describe('hostile budgets: agent runs within budget windows, no-op commands answered once', function () {
  this.timeout(120_000);
  let stack: Stack;
  before(async () => {
    stack = await startStackFor({
      'daemon.yaml': daemonYaml(
        'webhook_secret_env: AOF_TEST_WEBHOOK_SECRET\ntoken_env: AOF_TEST_GITHUB_TOKEN',
        // A day's window: the test does not straddle two windows (unless run across UTC midnight).
        '  budgets: {window_minutes: 1440, per_sender: 3, per_account: 5}\n',
      ),
      'agents/a.yaml': agentYaml('helper'),
      'triggers/t.yaml': triggerYaml(
        'cmds',
        'config:\n  github_events: [issue_comment]\n  actions: [created]\ncommands:\n  /review: {agent: helper}',
      ),
    });
  });
  after(async () => stack?.stop());

  let next = 300;
  /** A pull request of `repo` with a fresh number, known to the sandbox. */
  const openPr = (repo: string) => {
    const pr = retarget(example('pull_request', 'opened'), repo);
    pr.pull_request.number = ++next;
    stack.withPull(pr);
    return next;
  };
  const comment = (repo: string, number: number, body: string, login: string) => {
    const c = retarget(example('issue_comment', 'created'), repo);
    c.issue.number = number;
    c.issue.pull_request = { url: 'x', html_url: 'y' };
    c.comment.id = Math.floor(Math.random() * 1e9);
    c.comment.body = body;
    c.sender.login = login;
    c.sender.type = 'User';
    return c;
  };
  const commentsOn = (repo: string, number: number) =>
    stack.sandbox.commentsOn(repo.split('/')[0]!, repo.split('/')[1]!, number).map((c) => c.body);
  /** Every reply workflow this stack started has ended (their comments are in the sandbox). */
  const repliesDone = () =>
    until('no reply workflow running', async () => {
      const tq = stack.resources.daemon.spec.temporal.task_queue;
      for await (const _ of stack.client.workflow.list({
        query: `WorkflowType = 'replyWorkflow' AND TaskQueue = '${tq}' AND ExecutionStatus = 'Running'`,
      }))
        return false;
      return true;
    });

  it('a sender commenting /review 30 times gets at most the budget and one refusal reply', async () => {
    const repo = 'budgets/api';
    const pr = openPr(repo);
    const answers = [];
    for (let i = 0; i < 30; i++)
      answers.push(await stack.send('issue_comment', comment(repo, pr, '/review', 'flooder')));
    const started = answers.filter((a) => a.body.status === 'started');
    const refused = answers.filter((a) => a.body.status === 'over budget');
    assert.equal(started.length, 3, answers.map((a) => a.body.status).join(','));
    assert.equal(refused.length, 27);
    assert.ok(refused.every((a) => a.status === 200));
    // Nothing started for a refused delivery.
    for (const a of refused.slice(0, 3))
      await assert.rejects(
        stack.client.workflow.getHandle(deliveryWorkflowId(a.delivery)).describe(),
        WorkflowNotFoundError,
      );
    // A redelivery of a counted delivery is the same delivery, not another run over budget.
    const again = await stack.send('issue_comment', comment(repo, pr, '/review', 'flooder'), {
      delivery: started[0]!.delivery,
    });
    assert.equal(again.body.status, 'duplicate');
    await Promise.all(started.map((a) => stack.client.workflow.getHandle(a.body.workflowId).result()));
    await repliesDone();
    const bodies = commentsOn(repo, pr);
    const refusals = bodies.filter((b) => b.startsWith('Budget used up'));
    assert.equal(refusals.length, 1, JSON.stringify(bodies));
    assert.match(
      refusals[0]!,
      /@flooder's budget of 3 agent runs per 1440 minutes is spent.*next window starts at \d{4}-/s,
    );
    assert.equal(bodies.length, 4, JSON.stringify(bodies)); // three answers, one refusal

    // Another sender still has a share of the owner's budget (5): two runs, then the owner's budget is spent.
    const other = [];
    for (let i = 0; i < 3; i++) other.push(await stack.send('issue_comment', comment(repo, pr, '/review', 'someone')));
    assert.deepEqual(
      other.map((a) => a.body.status),
      ['started', 'started', 'over budget'],
    );
    const pr2 = openPr(repo);
    const third = await stack.send('issue_comment', comment(repo, pr2, '/review', 'newcomer'));
    assert.equal(third.body.status, 'over budget');
    await Promise.all(other.slice(0, 2).map((a) => stack.client.workflow.getHandle(a.body.workflowId).result()));
    await repliesDone();
    assert.equal(commentsOn(repo, pr).filter((b) => b.startsWith('Budget used up')).length, 1);
    const onPr2 = commentsOn(repo, pr2);
    assert.equal(onPr2.length, 1, JSON.stringify(onPr2));
    assert.match(onPr2[0]!, /the budget of 5 agent runs for budgets's repositories/);
  });

  it('repeated /approve with nothing waiting is answered once', async () => {
    const repo = 'budgets/web';
    const pr = openPr(repo);
    for (let i = 0; i < 6; i++) {
      const r = await stack.send('issue_comment', comment(repo, pr, '/approve', i % 2 ? 'alice' : 'mallory'));
      assert.deepEqual([r.status, r.body.status], [200, 'nothing waiting']);
    }
    await until('the nothing-waiting reply', () => commentsOn(repo, pr).length > 0);
    await repliesDone();
    const bodies = commentsOn(repo, pr);
    assert.equal(bodies.length, 1, JSON.stringify(bodies));
    assert.ok(bodies[0]!.startsWith('Nothing on this pull request is waiting for approval, so `/approve`'));
  });
});
