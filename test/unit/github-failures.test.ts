import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { rateLimitDelayMs, toActivityFailure } from '../../src/forges/github/failures.js';

const now = 1_700_000_000_000;
const err = (status: number, headers: Record<string, string> = {}, message = 'msg') => ({
  status,
  message: 'HttpError',
  request: { method: 'POST', url: 'https://api.github.com/repos/o/r/issues/1/comments?access_token=SECRET' },
  response: { headers, data: { message } },
});

describe('GitHub failure classification', () => {
  it('reads retry-after seconds and HTTP dates', () => {
    assert.equal(rateLimitDelayMs(403, { 'retry-after': '30' }, now), 30_000);
    assert.equal(rateLimitDelayMs(429, { 'retry-after': new Date(now + 5000).toUTCString() }, now), 5000);
  });

  it('waits until x-ratelimit-reset (plus a second) when the primary limit is exhausted', () => {
    const reset = String(now / 1000 + 120);
    assert.equal(rateLimitDelayMs(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }, now), 121_000);
  });

  it('is not a rate limit without the headers, or for other statuses', () => {
    assert.equal(rateLimitDelayMs(403, {}, now), undefined);
    assert.equal(rateLimitDelayMs(403, { 'x-ratelimit-remaining': '12' }, now), undefined);
    assert.equal(rateLimitDelayMs(500, { 'retry-after': '3' }, now), undefined);
  });

  it('a secondary rate limit without retry-after waits a minute, doubling with each attempt up to 15 minutes', () => {
    const now = Date.now();
    const msg = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.';
    assert.deepEqual(
      [1, 2, 3, 9].map((attempt) => rateLimitDelayMs(403, {}, now, msg, attempt)),
      [60_000, 120_000, 240_000, 900_000],
    );
    assert.equal(rateLimitDelayMs(429, {}, now, '', 1), 60_000);
    assert.equal(rateLimitDelayMs(403, {}, now, 'Resource not accessible by integration', 1), undefined);
  });

  it('a rate limit becomes a retryable failure whose next retry waits that long', () => {
    const f = toActivityFailure(err(429, { 'retry-after': '7' })) as ApplicationFailure;
    assert.ok(f instanceof ApplicationFailure);
    assert.equal(f.nonRetryable, false);
    assert.equal(f.nextRetryDelay, 7000);
    assert.equal(f.type, 'GitHubRateLimited');
  });

  it('404 and 422 are final and carry the API message, never the query string', () => {
    for (const status of [404, 422]) {
      const f = toActivityFailure(err(status, {}, 'Validation Failed')) as ApplicationFailure;
      assert.equal(f.nonRetryable, true);
      assert.equal(f.message, `GitHub POST /repos/o/r/issues/1/comments answered ${status}: Validation Failed`);
      assert.doesNotMatch(f.message, /SECRET/);
    }
  });

  it('413 and 414 (a request too large, a URL too long) are final: sending it again cannot help (issue 23)', () => {
    for (const status of [413, 414]) {
      const f = toActivityFailure(err(status, {}, 'URI Too Long')) as ApplicationFailure;
      assert.equal(f.nonRetryable, true, String(status));
      assert.equal(f.type, `GitHub${status}`);
    }
  });

  it('5xx is retryable with the default backoff', () => {
    const f = toActivityFailure(err(502)) as ApplicationFailure;
    assert.equal(f.nonRetryable, false);
    assert.equal(f.nextRetryDelay, undefined);
  });

  it('network errors pass through unchanged (retried)', () => {
    const e = new Error('ECONNRESET');
    assert.equal(toActivityFailure(e), e);
  });
});
