// A signed real payload enters the ingress over HTTP, a real Temporal workflow runs on a real worker,
// and the comment arrives at the GitHub sandbox exactly once.
import assert from 'node:assert/strict';
import { WorkflowNotFoundError } from '@temporalio/client';
import { example } from '../../src/fixtures/webhook-examples.js';
import { deliveryWorkflowId } from '../../src/temporal/workflow-ids.js';
import { startStack, type Stack } from '../harness/stack.js';

describe('webhook to PR comment, end to end', function () {
  let stack: Stack;
  before(async () => (stack = await startStack()));
  after(async () => stack?.stop());
  beforeEach(() => stack.sandbox.reset());

  const prOpened = () => stack.withPull(example('pull_request', 'opened'));

  it('posts exactly one review comment for pull_request.opened', async () => {
    const payload = prOpened();
    const res = await stack.send('pull_request', payload);
    assert.equal(res.status, 201);
    assert.equal(res.body.status, 'started');
    assert.equal(res.body.workflowId, deliveryWorkflowId(res.delivery));
    assert.deepEqual(res.body.target, { kind: 'agent', name: 'code-reviewer' });

    const result = await stack.client.workflow.getHandle(res.body.workflowId).result();
    const [owner, repo] = payload.repository.full_name.split('/');
    const comments = stack.sandbox.commentsOn(owner, repo, payload.pull_request.number);
    assert.equal(comments.length, 1);
    assert.equal(comments[0]!.id, result.agent!.commentId);
    assert.match(comments[0]!.body, new RegExp(`Looks good: ${payload.pull_request.title}`));
    assert.match(
      comments[0]!.body,
      /Reviewed 1 added line\(s\) in 1 file\(s\) with the built-in security and quality rules/,
    );
  });

  it('a redelivery of the same GUID starts nothing new and answers with the same workflow', async () => {
    const payload = prOpened();
    const first = await stack.send('pull_request', payload);
    const again = await stack.send('pull_request', payload, { delivery: first.delivery });
    assert.equal(first.status, 201);
    assert.equal(again.status, 200);
    assert.equal(again.body.status, 'duplicate');
    assert.equal(again.body.workflowId, first.body.workflowId);
    await stack.client.workflow.getHandle(first.body.workflowId).result();
    // A third delivery after completion is still a duplicate (REJECT_DUPLICATE reuse policy).
    const late = await stack.send('pull_request', payload, { delivery: first.delivery });
    assert.equal(late.body.status, 'duplicate');
    const [owner, repo] = payload.repository.full_name.split('/');
    assert.equal(stack.sandbox.commentsOn(owner, repo, payload.pull_request.number).length, 1);
  });

  it('two different deliveries arriving together each get their own single comment', async () => {
    const a = prOpened();
    const b = prOpened();
    b.pull_request.number = a.pull_request.number + 1000;
    stack.withPull(b);
    const [ra, rb] = await Promise.all([stack.send('pull_request', a), stack.send('pull_request', b)]);
    assert.equal(ra.status, 201);
    assert.equal(rb.status, 201);
    assert.notEqual(ra.body.workflowId, rb.body.workflowId);
    await Promise.all([ra, rb].map((r) => stack.client.workflow.getHandle(r.body.workflowId).result()));
    const [owner, repo] = a.repository.full_name.split('/');
    assert.equal(stack.sandbox.commentsOn(owner, repo, a.pull_request.number).length, 1);
    assert.equal(stack.sandbox.commentsOn(owner, repo, b.pull_request.number).length, 1);
    assert.equal(stack.sandbox.comments.length, 2);
  });

  it('a bad signature answers 401 and starts no workflow', async () => {
    const res = await stack.send('pull_request', prOpened(), { secret: 'not-the-secret' });
    assert.equal(res.status, 401);
    assert.match(res.body.error, /signature does not match/);
    await assert.rejects(
      stack.client.workflow.getHandle(deliveryWorkflowId(res.delivery)).describe(),
      WorkflowNotFoundError,
    );
    assert.equal(stack.sandbox.requests.length, 0);
  });

  it('records the run in search attributes users can query in the Web UI', async () => {
    const payload = prOpened();
    const res = await stack.send('pull_request', payload);
    const handle = stack.client.workflow.getHandle(res.body.workflowId);
    await handle.result();
    const d = await handle.describe();
    const sa = d.searchAttributes as Record<string, unknown[]>;
    assert.deepEqual(sa.AofRepository, [payload.repository.full_name]);
    assert.deepEqual(sa.AofEvent, ['pull_request.opened']);
    assert.deepEqual(sa.AofNumber, [payload.pull_request.number]);
    assert.deepEqual(sa.AofState, ['completed']);
  });

  it('an event no trigger matches is answered 202 "unhandled" and starts nothing', async () => {
    const res = await stack.send('star', example('star', 'created'));
    assert.equal(res.status, 202);
    assert.equal(res.body.status, 'unhandled');
    assert.match(res.body.reason, /no trigger matched/);
    await assert.rejects(
      stack.client.workflow.getHandle(deliveryWorkflowId(res.delivery)).describe(),
      WorkflowNotFoundError,
    );
  });

  it('answers ping with 200', async () => {
    const res = await stack.send('ping', example('ping'));
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'pong');
  });

  it('reports /health and /ready', async () => {
    assert.equal((await fetch(`${stack.url}/health`)).status, 200);
    const ready = await fetch(`${stack.url}/ready`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready' });
  });
});
