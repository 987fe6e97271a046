// The pacer keeps GitHub's budgets per credential; these checks run on its bookings (next/book), without
// waiting for real time. The last ones send real requests to a local server: a request whose activity
// ended is never sent, and a quiet review's requests start at once.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createOctokit } from '../../src/forges/github/client.js';
import { toActivityFailure } from '../../src/forges/github/failures.js';
import {
  ARRIVAL_SLACK_MS,
  BUDGET_SLACK_MS,
  RequestDropped,
  RequestPacer,
  type PacedRequest,
} from '../../src/forges/github/request-pacer.js';
import { busiestWindow as busiest } from '../harness/busiest-window.js';

const MINUTE = 60_000;
const get: PacedRequest = { key: 'installation:1', method: 'GET', url: '/repos/{owner}/{repo}/pulls/{pull_number}' };
const comment: PacedRequest = {
  key: 'installation:1',
  method: 'POST',
  url: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
};

/** `n` requests that all ask at `now` (a burst), each starting at its earliest turn, as one worker books them. */
function burst(pacer: RequestPacer, n: number, now = 0, request: PacedRequest = {}): number[] {
  const at: number[] = [];
  let t = now;
  for (let i = 0; i < n; i++) {
    t = pacer.next(request, t);
    pacer.book(request, t);
    at.push(t);
  }
  return at;
}

/** An answer's rate-limit headers. */
const headers = (remaining: number, resetAtMs: number, limit = 5000) => ({
  'x-ratelimit-limit': String(limit),
  'x-ratelimit-remaining': String(remaining),
  'x-ratelimit-reset': String(resetAtMs / 1000),
  'x-ratelimit-resource': 'core',
});

describe("GitHub request pacer: GitHub's budgets", () => {
  it("a review's six requests start at once: no spacing without requests_per_second", () => {
    const pacer = new RequestPacer();
    const review = [get, get, { ...comment, url: '/repos/{owner}/{repo}/check-runs' }, get, comment, get];
    assert.deepEqual(
      review.map((r) => pacer.next(r, 1000)),
      review.map(() => 1000),
    );
    review.forEach((r) => pacer.book(r, 1000));
    assert.equal(pacer.next(get, 1000), 1000);
  });

  it('content-creating requests burst up to the share, never more than 80 in any minute for all workers', () => {
    for (const workers of [1, 3, 4]) {
      const pacer = new RequestPacer({ workers });
      const at = burst(pacer, 200, 0, comment);
      const share = Math.floor(80 / workers);
      assert.ok(busiest(at, MINUTE) <= share, `${workers} workers: ${busiest(at, MINUTE)} in a minute`);
      assert.equal(at.filter((t) => t === 0).length, share, 'the share bursts at once');
      assert.ok(share * workers <= 80);
      // Each may arrive up to the slack late: still within the minute's share.
      const late = at.map((t, i) => (i % 3 === 0 ? t + BUDGET_SLACK_MS - 1 : t));
      assert.ok(busiest(late, MINUTE) <= share);
    }
  });

  it('reads are not held back by spent writes, and a spent credential does not hold back another', () => {
    const pacer = new RequestPacer();
    burst(pacer, 80, 0, comment);
    assert.ok(pacer.next(comment, 10) > MINUTE);
    assert.equal(pacer.next(get, 10), 10);
    assert.equal(pacer.next({ ...comment, key: 'installation:2' }, 10), 10);
  });

  it('no more than 500 content-creating requests in any hour', () => {
    const at = burst(new RequestPacer(), 600, 0, comment);
    assert.ok(busiest(at, 60 * MINUTE) <= 500, `${busiest(at, 60 * MINUTE)} in an hour`);
    assert.ok(busiest(at, MINUTE) <= 80);
  });

  it('REST points: no more than 900 a minute (a read 1, a write 5)', () => {
    const pacer = new RequestPacer();
    const reads = burst(pacer, 1000, 0, get);
    assert.equal(reads.filter((t) => t === 0).length, 900);
    assert.ok(busiest(reads, MINUTE) <= 900);
    // GraphQL has its own 2,000 points; a mutation is content-creating.
    const mutation = { key: 'installation:1', method: 'POST', url: '/graphql', query: 'mutation { x }' };
    assert.equal(pacer.next({ ...mutation, query: 'query { x }' }, 0), 0);
    burst(pacer, 80, 0, mutation);
    assert.ok(pacer.next(mutation, 0) > MINUTE);
  });

  it('the primary limit: stops before it is spent, at its share of what remains, until the reset', () => {
    for (const workers of [1, 2]) {
      const pacer = new RequestPacer({ workers });
      const reset = 600_000;
      pacer.answered(get, 200, headers(300, reset), 0);
      const at = burst(pacer, 300, 0, get);
      // 2% of 5,000 stays in reserve for requests in flight; the rest is shared by the workers.
      const allowed = Math.floor((300 - 100) / workers);
      assert.equal(at.filter((t) => t === 0).length, allowed);
      assert.ok(at.slice(allowed).every((t) => t > reset));
    }
    // A later answer says what remains now: it counts from there.
    const pacer = new RequestPacer();
    pacer.answered(get, 200, headers(100, 600_000), 0);
    assert.ok(pacer.next(get, 0) > 600_000);
    pacer.answered(get, 200, headers(4999, 4_200_000), 700_000);
    assert.equal(pacer.next(get, 700_000), 700_000);
  });

  it("after a rate-limit answer, the credential waits as long as GitHub said; other credentials don't", () => {
    const pacer = new RequestPacer();
    pacer.answered(get, 403, { 'retry-after': '30' }, 0);
    assert.equal(pacer.next(get, 0), 30_000);
    assert.equal(pacer.next({ ...get, key: 'installation:2' }, 0), 0);
  });
});

describe('GitHub request pacer: requests_per_second, an optional ceiling', () => {
  it('spaces a burst evenly at its share', () => {
    const at = burst(new RequestPacer({ perSecond: 4 }), 9);
    assert.deepEqual(at.slice(0, 4), [0, 250, 500, 750]);
    assert.ok(busiest(at, 1000) <= 4);
  });

  it('a fractional share never starts more whole requests in a second than it holds', () => {
    // Three workers sharing 10/s: spacing alone would start 4 within a second in each, 12 in all.
    for (const share of [10 / 3, 2.5, 1.5, 7.9]) {
      const at = burst(new RequestPacer({ perSecond: share }), 60);
      assert.ok(busiest(at, 1000) <= Math.floor(share), `${share}/s: ${busiest(at, 1000)} in a second`);
      // ... and still near the share over a minute.
      const perSecond = (at.length - 1) / ((at.at(-1)! - at[0]!) / 1000);
      assert.ok(perSecond >= Math.floor(share) * 0.9, `${share}/s gave ${perSecond.toFixed(2)}/s`);
    }
  });

  it('a request that reaches GitHub late does not share its second with the next ones', () => {
    const at = burst(new RequestPacer({ perSecond: 2 }), 20);
    // Each start may arrive up to the slack late: still no more than the share in any second.
    const late = at.map((t, i) => (i % 4 === 0 ? t + ARRIVAL_SLACK_MS - 1 : t));
    assert.ok(busiest(late, 1000) <= 2, `${busiest(late, 1000)} in a second`);
  });

  it('a share below one per second waits its full interval; a new share applies to the next request', () => {
    const pacer = new RequestPacer({ perSecond: 10, workers: 20 });
    const at = burst(pacer, 3);
    assert.ok(at[1]! - at[0]! >= 2000 && at[2]! - at[1]! >= 2000, String(at));
    pacer.setWorkers(1);
    assert.equal(pacer.next({}, at[2]!), at[2]! + 100);
  });

  it('an idle pacer starts the next request at once', () => {
    const pacer = new RequestPacer({ perSecond: 2 });
    burst(pacer, 3, 0);
    assert.equal(pacer.next({}, 60_000), 60_000);
  });
});

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

describe('GitHub request pacer and activity cancellation', function () {
  // Each test waits for one paced turn (a second) so that a dropped request would have been sent by then.
  this.timeout(20_000);
  let server: Server;
  let url: string;
  let paths: string[];
  before(async () => {
    server = createServer((req, res) => {
      paths.push(req.url!);
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  beforeEach(() => (paths = []));
  after(() => new Promise((r) => server.close(r)));

  /** An activity attempt whose start-to-close timeout is `timeoutMs`. */
  const activity = (timeoutMs: number) =>
    new MockActivityEnvironment(
      {
        scheduledTimestampMs: Date.now(),
        currentAttemptScheduledTimestampMs: Date.now(),
        startToCloseTimeoutMs: timeoutMs,
        scheduleToCloseTimeoutMs: 0,
      },
      { logger: quiet },
    );
  const paced = (pacer: RequestPacer) => pacer.pace(createOctokit(url, 'token'), 'token');

  it('drops a queued request whose activity is cancelled: it is never sent', async () => {
    const pacer = new RequestPacer({ perSecond: 1 });
    const gh = paced(pacer);
    await gh.request('GET /first');
    const env = activity(60_000);
    const queued = env.run(() => gh.request('GET /queued'));
    queued.catch(() => undefined);
    for (let i = 0; i < 500 && pacer.waiting === 0; i++) await new Promise((r) => setImmediate(r));
    env.cancel();
    await assert.rejects(queued);
    // The next request's turn comes after the dropped one's would have: had it been sent, it came first.
    await gh.request('GET /after');
    assert.deepEqual(paths, ['/first', '/after']);
    assert.equal(pacer.waiting, 0);
  });

  it("drops a request whose turn comes after its activity's deadline, without waiting for it", async () => {
    const pacer = new RequestPacer({ perSecond: 1 });
    const gh = paced(pacer);
    await gh.request('GET /first');
    // Its turn is a second away; the activity times out before that (and is retried elsewhere).
    await assert.rejects(
      activity(300).run(() => gh.request('GET /late')),
      (err: Error) => err instanceof RequestDropped,
    );
    assert.equal(pacer.waiting, 0, 'it did not wait in the queue');
    await gh.request('GET /after');
    assert.deepEqual(paths, ['/first', '/after']);
  });

  it('a budget spent past the deadline: dropped, and the activity retried when the budget allows', async () => {
    const pacer = new RequestPacer({ budgets: { writesPerMinute: 1 } });
    const gh = paced(pacer);
    await gh.request('POST /first');
    const dropped = await activity(60_000)
      .run(() => gh.request('POST /second'))
      .then(
        () => assert.fail('sent'),
        (err: unknown) => err,
      );
    assert.ok(dropped instanceof RequestDropped);
    assert.ok(dropped.retryAfterMs! > 59_000, String(dropped.retryAfterMs));
    const failure = toActivityFailure(dropped);
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.type, 'GitHubBudgetSpent');
    assert.ok(Number(failure.nextRetryDelay) > 59_000);
    assert.deepEqual(paths, ['/first']);
  });

  it('bounds the requests in flight per credential; the next starts when one is answered', async () => {
    const pacer = new RequestPacer({ budgets: { concurrent: 2 } });
    const done = await Promise.all([pacer.take(get), pacer.take(get)]);
    let third = false;
    const next = pacer.take(get).then((d) => ((third = true), d));
    const other = await pacer.take({ ...get, key: 'installation:2' }); // another credential: at once
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    assert.equal(third, false);
    assert.equal(pacer.waiting, 1);
    done[0]!(200, {});
    (await next)(200, {});
    done[1]!(200, {});
    other(200, {});
    assert.equal(pacer.waiting, 0);
  });

  it("a quiet review's requests are sent without waiting for the pacer", async () => {
    const pacer = new RequestPacer();
    const gh = paced(pacer);
    const review = [
      'GET /pulls/1',
      'GET /check-runs',
      'POST /check-runs',
      'GET /files',
      'POST /comments',
      'PATCH /check-runs/1',
    ];
    await Promise.all(review.map((r) => activity(60_000).run(() => gh.request(r))));
    assert.equal(pacer.delayed, 0);
    assert.equal(paths.length, 6);
  });

  it('sends a request of a live activity in its turn', async () => {
    const pacer = new RequestPacer({ perSecond: 1 });
    const gh = paced(pacer);
    await gh.request('GET /first');
    await activity(60_000).run(() => gh.request('GET /second'));
    assert.deepEqual(paths, ['/first', '/second']);
  });
});
