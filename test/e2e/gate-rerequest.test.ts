// Asking again for a head the gate already reviewed, end to end: after the gate's quiet exit a
// redelivered push of that head is not reviewed again, but a `/review` comment and a re-run of the
// check run (`check_run.rerequested`) are, each with a check run of its own. Every wait is for a
// condition (a state the gate shows, a check run completed).
//
// Every payload names this file's own repository and installation. The re-request check this replaces
// passed alone and hung in the full suite: its redelivery was the `synchronize` example, which carries
// installation 1, so the review counted against `quota/installation-1/<month>`, a quota workflow that
// exactly-once.test.ts had started on its own stack's task queue; once that stack stopped, no worker
// served it, and the reservation waited for ever. Quota and gate workflows live on the shared dev server
// across test files, on the task queue of whichever stack started them.
import assert from 'node:assert/strict';
import { example } from '../../src/fixtures/webhook-examples.js';
import { gateConfig } from '../harness/config-dir.js';
import { startStackFor, type Stack } from '../harness/stack.js';
import { addedFile, pullRequest, sha } from '../harness/synthetic-pr.js';
import { until as waitUntil } from '../harness/until.js';

const REPO = 'rerequest-org/app';
const NUMBER = 41;
/** The payload, from this file's own installation. */
const ours = <T extends Record<string, any>>(payload: T): T =>
  Object.assign(payload, { installation: { id: 4141, node_id: 'rerequest-installation' } });

describe('a gate asked again for a head it already reviewed', function () {
  this.timeout(180_000);
  let stack: Stack;
  before(async () => {
    stack = await startStackFor(
      gateConfig(
        ['pull_request', 'check_run', 'issue_comment'],
        '  pull_request: {gate: afa}\n  check_run.rerequested: {gate: afa}\n  /review: {gate: afa}',
      ),
    );
  });
  after(async () => stack?.stop());

  const until = (what: string, done: () => boolean | Promise<boolean>) => waitUntil(what, done, { ms: 120_000 });
  const completed = (head: string) =>
    stack.sandbox.checkRuns.filter((c) => c.head_sha === head && c.status === 'completed');
  const gateState = async (workflowId: string) =>
    stack.client.workflow
      .getHandle(workflowId)
      .describe()
      .then((d) => (d.status.name === 'RUNNING' ? String(d.searchAttributes.AofState?.[0] ?? '') : ''));

  it('a redelivery is skipped; /review and a re-run of the check review it again', async () => {
    const head = sha(`${REPO}#${NUMBER} reviewed once`);
    const file = addedFile('src/r.ts', 'export function r() {\n  return 1;\n}\n');
    const opened = ours(pullRequest(REPO, NUMBER, head, 'opened'));
    stack.sandbox.addPull('rerequest-org', 'app', opened.pull_request, [file]);
    const first = await stack.send('pull_request', opened);
    assert.equal(first.status, 201);
    const gate = first.body.workflowId as string;
    await until('the first review', () => completed(head).length === 1);
    await until('the gate to be idle', async () => (await gateState(gate)).startsWith('idle: '));

    // As after the gate's quiet exit: the next delivery starts a new gate run, which has no memory of its own.
    await stack.client.workflow.getHandle(gate).terminate('as after its quiet exit');
    const redelivery = ours(pullRequest(REPO, NUMBER, head, 'synchronize'));
    assert.equal((await stack.send('pull_request', redelivery)).status, 201);
    await until('the redelivery to be skipped', async () => (await gateState(gate)).includes('already reviewed'));
    assert.equal(stack.sandbox.checkRuns.filter((c) => c.head_sha === head).length, 1, 'the redelivery was reviewed');

    const comment = ours(example('issue_comment', 'created'));
    Object.assign(comment.repository, { full_name: REPO, name: 'app' });
    comment.repository.owner.login = 'rerequest-org';
    comment.issue.number = NUMBER;
    comment.issue.pull_request = { url: `https://api.github.com/repos/${REPO}/pulls/${NUMBER}` };
    comment.comment.body = '/review';
    // The re-review's check run is created and its answer lost: the retry must find that check run, not
    // the first review's, whose review had the same child id in the gate's earlier life.
    stack.sandbox.failAfterCommit(1, 'status500', /\/check-runs$/);
    assert.equal((await stack.send('issue_comment', comment)).status, 201);
    await until('/review to review the head again', () => completed(head).length === 2);

    const rerun = ours(example('check_run', 'rerequested'));
    Object.assign(rerun.repository, { full_name: REPO, name: 'app' });
    rerun.repository.owner.login = 'rerequest-org';
    rerun.check_run.head_sha = head;
    rerun.check_run.pull_requests = [{ number: NUMBER, head: { sha: head } }];
    assert.equal((await stack.send('check_run', rerun)).status, 201);
    await until('the re-run to review the head again', () => completed(head).length === 3);
    assert.equal(stack.sandbox.checkRuns.filter((c) => c.head_sha === head).length, 3, 'a check run left behind');
    assert.deepEqual(
      completed(head).map((c) => c.output.title),
      Array(3).fill('AFA Gate Check — 1 findings'),
      'each request was a full review',
    );
  });
});
