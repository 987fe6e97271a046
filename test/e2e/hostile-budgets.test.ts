// Cost amplifiers for anyone who can comment, over the real stack (ingress over HTTP, Temporal, a worker,
// the GitHub sandbox): every agent run is started by the ingress as any delivery, and counts against the
// repository owner's and the sender's budget window (spec.budgets) in its workflow before it reaches a
// model; a refused run ends 'over budget' and is answered once per pull request and window. A command that
// changes nothing (`/approve` with nothing waiting) is answered once per pull request and window.
import assert from 'node:assert/strict';
import { example, retarget } from '../../src/fixtures/webhook-examples.js';
import { budgetWindow, budgetWorkflowId } from '../../src/temporal/budget-window.js';
import { AofState } from '../../src/temporal/search-attributes.js';
import { countsQueueOf } from '../../src/temporal/task-queues.js';
import type { RoutedEventResult } from '../../workflows/types.js';
import { agentYaml, daemonYaml, triggerYaml, GITHUB_TEST_PLATFORM } from '../harness/config-dir.js';
import { startStackFor, type Stack } from '../harness/stack.js';
import { until } from '../harness/until.js';

describe('hostile budgets: agent runs within budget windows, no-op commands answered once', function () {
  this.timeout(120_000);
  let stack: Stack;
  before(async () => {
    stack = await startStackFor({
      'daemon.yaml': daemonYaml(
        GITHUB_TEST_PLATFORM,
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

  /** A routed run's end: its result, its AofState, and how many model turns it scheduled. */
  const outcome = async (workflowId: string) => {
    const h = stack.client.workflow.getHandle(workflowId);
    const result = (await h.result()) as RoutedEventResult;
    const state = (await h.describe()).typedSearchAttributes.get(AofState);
    const history = await h.fetchHistory();
    const modelTurns = (history.events ?? []).filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'modelTurn',
    ).length;
    return { result, state, modelTurns };
  };

  it('a sender commenting /review 30 times gets at most the budget and one refusal reply', async () => {
    const repo = 'budgets/api';
    const pr = openPr(repo);
    const answers = [];
    for (let i = 0; i < 30; i++)
      answers.push(await stack.send('issue_comment', comment(repo, pr, '/review', 'flooder')));
    // The ingress starts every run: the budget is the workflow's to count.
    assert.deepEqual(
      answers.map((a) => [a.status, a.body.status, a.body.target?.name]),
      answers.map(() => [201, 'started', 'helper']),
    );
    const ends = await Promise.all(answers.map((a) => outcome(a.body.workflowId)));
    const ran = ends.filter((e) => !e.result.overBudget);
    const refused = ends.filter((e) => e.result.overBudget);
    assert.equal(ran.length, 3, JSON.stringify(ends.map((e) => e.state)));
    assert.ok(ran.every((e) => e.state === 'completed' && e.result.agent && e.modelTurns > 0));
    assert.equal(refused.length, 27);
    for (const e of refused) {
      assert.equal(e.state, 'over budget');
      assert.equal(e.result.overBudget!.over, 'sender');
      assert.equal(e.result.agent, undefined);
      assert.equal(e.modelTurns, 0, 'no model call over budget');
    }
    // A redelivery of a counted delivery is the same delivery: nothing new starts.
    const again = await stack.send('issue_comment', comment(repo, pr, '/review', 'flooder'), {
      delivery: answers[0]!.delivery,
    });
    assert.deepEqual([again.status, again.body.status], [200, 'duplicate']);
    // The visibility store may not list a reply workflow just started: wait for its comment itself.
    await until('the refusal reply', () => commentsOn(repo, pr).some((b) => b.startsWith('Budget used up')));
    await repliesDone();
    const bodies = commentsOn(repo, pr);
    const refusals = bodies.filter((b) => b.startsWith('Budget used up'));
    assert.equal(refusals.length, 1, JSON.stringify(bodies));
    assert.match(
      refusals[0]!,
      /@flooder's budget of 3 agent runs per 1440 minutes is spent.*next window starts at \d{4}-/s,
    );
    assert.equal(bodies.length, 4, JSON.stringify(bodies)); // three agent answers, one refusal

    // Another sender still has a share of the owner's budget (5): two runs, then the owner's budget is spent.
    const other = [];
    for (let i = 0; i < 3; i++) other.push(await stack.send('issue_comment', comment(repo, pr, '/review', 'someone')));
    assert.deepEqual(
      other.map((a) => a.body.status),
      ['started', 'started', 'started'],
    );
    const others = await Promise.all(other.map((a) => outcome(a.body.workflowId)));
    assert.deepEqual(others.map((e) => e.state).sort(), ['completed', 'completed', 'over budget']);
    assert.equal(others.find((e) => e.result.overBudget)!.result.overBudget!.over, 'account');
    assert.equal(others.find((e) => e.result.overBudget)!.modelTurns, 0);
    const pr2 = openPr(repo);
    const third = await stack.send('issue_comment', comment(repo, pr2, '/review', 'newcomer'));
    assert.deepEqual([third.status, third.body.status], [201, 'started']);
    const last = await outcome(third.body.workflowId);
    assert.deepEqual([last.state, last.result.overBudget?.over, last.modelTurns], ['over budget', 'account', 0]);
    await until('the refusal reply on the second PR', () => commentsOn(repo, pr2).length > 0);
    await repliesDone();
    // Two more agent answers on the first PR, and still its one refusal.
    const after = commentsOn(repo, pr);
    assert.equal(after.filter((b) => b.startsWith('Budget used up')).length, 1, JSON.stringify(after));
    assert.equal(after.length, 6, JSON.stringify(after));
    const onPr2 = commentsOn(repo, pr2);
    assert.equal(onPr2.length, 1, JSON.stringify(onPr2));
    assert.match(onPr2[0]!, /the budget of 5 agent runs for budgets's repositories/);
    // The window runs on the counts' queue: its answers never wait behind a flood on the main one.
    const tq = stack.resources.daemon.spec.temporal.task_queue;
    const window = await stack.client.workflow
      .getHandle(budgetWorkflowId(tq, 'budgets', budgetWindow(Date.now(), 1440).label))
      .describe();
    assert.equal(window.taskQueue, countsQueueOf(tq));
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
