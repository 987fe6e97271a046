// GitHub activities against the sandbox's limit and failure modes: rate limits wait as long as GitHub
// says, 5xx is retried, 404/422 end the activity at once with the API's message.
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { example } from '../../src/fixtures/webhook-examples.js';
import { startStack, type Stack } from '../harness/stack.js';

describe('GitHub activities: rate limits and failures', function () {
  let stack: Stack;
  before(async () => (stack = await startStack()));
  after(async () => stack?.stop());
  beforeEach(() => stack.sandbox.reset());

  const commentPosts = () => stack.sandbox.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/comments'));
  const run = async () => {
    const res = await stack.send('pull_request', stack.withPull(example('pull_request', 'opened')));
    assert.equal(res.status, 201);
    return stack.client.workflow.getHandle(res.body.workflowId);
  };

  it('a secondary rate limit waits for retry-after, then posts once', async () => {
    stack.sandbox.secondaryRateLimit(1, 2, /^POST .*\/comments$/);
    await (await run()).result();
    const posts = commentPosts();
    assert.deepEqual(
      posts.map((p) => p.status),
      [403, 201],
    );
    const waited = posts[1]!.at - posts[0]!.at;
    assert.ok(waited >= 1950, `retried after ${waited} ms, before retry-after (2 s) elapsed`);
    assert.equal(stack.sandbox.comments.length, 1);
  });

  it('an exhausted primary rate limit waits until x-ratelimit-reset', async () => {
    stack.sandbox.primaryRateLimit(1, 2, /^POST .*\/comments$/);
    const resetAt = Math.ceil(Date.now() / 1000 + 2) * 1000;
    await (await run()).result();
    const posts = commentPosts();
    assert.deepEqual(
      posts.map((p) => p.status),
      [403, 201],
    );
    assert.ok(posts[1]!.at >= resetAt, `retried ${resetAt - posts[1]!.at} ms before the reset time`);
  });

  it('5xx answers are retried with backoff until the call succeeds', async () => {
    stack.sandbox.failNext(2, 502, /^POST .*\/comments$/);
    await (await run()).result();
    assert.deepEqual(
      commentPosts().map((p) => p.status),
      [502, 502, 201],
    );
    assert.equal(stack.sandbox.comments.length, 1);
  });

  it('404 is final: one attempt, and the failure carries the API message', async () => {
    stack.sandbox.failNext(1, 404, /^POST .*\/comments$/);
    const handle = await run();
    const err = await handle.result().then(
      () => undefined,
      (e) => e,
    );
    assert.ok(err instanceof WorkflowFailedError);
    const cause = (err.cause as { cause?: { message: string; nonRetryable?: boolean } }).cause;
    assert.match(cause!.message, /GitHub POST \/repos\/.+\/issues\/\d+\/comments answered 404: Error/);
    assert.equal(cause!.nonRetryable, true);
    assert.equal(commentPosts().length, 1);
    const d = await handle.describe();
    assert.deepEqual((d.searchAttributes as Record<string, unknown[]>).AofState, ['failed']);
  });
});
