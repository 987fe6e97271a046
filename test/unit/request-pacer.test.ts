// The pacer books request starts; these checks run on its bookings, without waiting for real time. The
// last ones send real requests to a local server: a request whose activity ended is never sent.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createOctokit } from '../../src/github/client.js';
import { ARRIVAL_SLACK_MS, RequestDropped, RequestPacer } from '../../src/github/request-pacer.js';
import { busiestWindow as busiest } from '../harness/busiest-window.js';

/** `n` requests that all ask at `now` (a burst), as one worker would book them. */
function burst(pacer: RequestPacer, n: number, now = 0): number[] {
  return Array.from({ length: n }, () => pacer.reserve(now));
}

describe('GitHub request pacer', () => {
  it('spaces a burst evenly at its share', () => {
    const at = burst(new RequestPacer(4), 9);
    assert.deepEqual(at.slice(0, 4), [0, 250, 500, 750]);
    assert.ok(busiest(at, 1000) <= 4);
  });

  it('a fractional share never starts more whole requests in a second than it holds', () => {
    // Three workers sharing 10/s: spacing alone would start 4 within a second in each, 12 in all.
    for (const share of [10 / 3, 2.5, 1.5, 7.9]) {
      const at = burst(new RequestPacer(share), 60);
      assert.ok(busiest(at, 1000) <= Math.floor(share), `${share}/s: ${busiest(at, 1000)} in a second`);
      // ... and still near the share over a minute.
      const perSecond = (at.length - 1) / ((at.at(-1)! - at[0]!) / 1000);
      assert.ok(perSecond >= Math.floor(share) * 0.9, `${share}/s gave ${perSecond.toFixed(2)}/s`);
    }
  });

  it('a request that reaches GitHub late does not share its second with the next ones', () => {
    const at = burst(new RequestPacer(2), 20);
    // Each start may arrive up to the slack late: still no more than the share in any second.
    const late = at.map((t, i) => (i % 4 === 0 ? t + ARRIVAL_SLACK_MS - 1 : t));
    assert.ok(busiest(late, 1000) <= 2, `${busiest(late, 1000)} in a second`);
  });

  it('a share below one per second waits its full interval; a new share applies to the next request', () => {
    const pacer = new RequestPacer(0.5);
    const at = burst(pacer, 3);
    assert.ok(at[1]! - at[0]! >= 2000 && at[2]! - at[1]! >= 2000, String(at));
    pacer.setRate(10);
    const next = pacer.reserve(at[2]!);
    assert.equal(next, at[2]! + 100);
  });

  it('an idle pacer starts the next request at once', () => {
    const pacer = new RequestPacer(2);
    burst(pacer, 3, 0);
    assert.equal(pacer.reserve(60_000), 60_000);
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
  const paced = (pacer: RequestPacer) => pacer.pace(createOctokit(url, 'token'));

  it('drops a queued request whose activity is cancelled: it is never sent', async () => {
    const pacer = new RequestPacer(1);
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
    const pacer = new RequestPacer(1);
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

  it('sends a request of a live activity in its turn', async () => {
    const pacer = new RequestPacer(1);
    const gh = paced(pacer);
    await gh.request('GET /first');
    await activity(60_000).run(() => gh.request('GET /second'));
    assert.deepEqual(paths, ['/first', '/second']);
  });
});
