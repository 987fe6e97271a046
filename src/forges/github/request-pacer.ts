// Keeps this process's GitHub API requests within GitHub's budgets, per credential (an installation or a
// token) and shared by all worker processes, without spacing requests that fit: a quiet review's calls
// start at once. Every HTTP request counts, also each page of a listing and each file read inside one
// activity, which the task queue's activity rate cannot see. Per credential:
//
// - the primary rate limit (5,000 an hour per token or installation, more for larger Apps), as GitHub's
//   answers say: `x-ratelimit-remaining` and `x-ratelimit-reset` of the latest answer, by resource (core,
//   graphql, search). A process stops before the budget is spent: it spends at most its share of what
//   remains less a reserve of 2% of the limit (the requests in flight that the answer did not count yet),
//   then waits for the reset;
// - the secondary limits: at most 100 requests in flight, 80 content-creating requests (POST, PATCH, PUT,
//   DELETE, GraphQL mutations) a minute and 500 an hour, 900 points a minute of REST (a read 1 point, a
//   write 5) and 2,000 of GraphQL (a query 1, a mutation 5);
// - and after a rate-limit answer (403/429 with retry-after, or an exhausted primary limit), nothing until
//   GitHub said to try again.
//
// Shared by all worker processes: each process takes its share of every budget, the budget divided by the
// GitHub workers polling the queue (worker-share.ts), rounded down, so N processes together never exceed
// it; within its share a process may burst. platforms.github.requests_per_second, when set, is a ceiling
// on top: requests spaced evenly, that rate for all processes together.
//
// A request waits for its turn only as long as its activity lives: when the activity is cancelled (also
// when Temporal tells the heartbeat that it timed out) or its turn comes after the activity's deadline,
// the request leaves the queue unsent, since Temporal has already retried the activity elsewhere (or
// retries it when the budget allows: RequestDropped.retryAfterMs).
import { Context } from '@temporalio/activity';
import type { Octokit } from '@octokit/rest';
import { retryAfterMs } from '../../http/retry-after.js';

/**
 * A request reaches GitHub some milliseconds after its turn, and not always the same number (a busy event
 * loop, a new connection): each window is this much longer than its period, so a late request and an
 * on-time one a period later do not land in the same period.
 */
export const ARRIVAL_SLACK_MS = 50;

/**
 * The same for GitHub's minute and hour budgets, which a late request would break by one: a second, as a
 * request can wait that long between its turn and GitHub (a worker busy with other work, a new TLS
 * connection, a retry of a reset connection). It costs under 2 % of a minute's budget.
 */
export const BUDGET_SLACK_MS = 1000;

/** GitHub's budgets per credential, for all processes together. */
export interface GitHubBudgets {
  /** Requests in flight at once. */
  concurrent: number;
  /** Content-creating requests (POST, PATCH, PUT, DELETE, GraphQL mutations) in any minute. */
  writesPerMinute: number;
  /** ... and in any hour. */
  writesPerHour: number;
  /** Secondary-limit points in any minute: REST (GET 1, writes 5) and GraphQL (query 1, mutation 5). */
  restPointsPerMinute: number;
  graphqlPointsPerMinute: number;
}

/** GitHub.com's documented secondary limits. */
export const GITHUB_BUDGETS: GitHubBudgets = {
  concurrent: 100,
  writesPerMinute: 80,
  writesPerHour: 500,
  restPointsPerMinute: 900,
  graphqlPointsPerMinute: 2000,
};

export interface PacerOptions {
  /** An even spacing for all processes together (platforms.github.requests_per_second); none by default. */
  perSecond?: number;
  budgets?: Partial<GitHubBudgets>;
  /** GitHub worker processes sharing the budgets (this one included). */
  workers?: number;
  /** Called for each request that does not start at once (aof_github_requests_delayed_total). */
  onDelayed?: () => void;
}

/** What the pacer needs to know of a request. */
export interface PacedRequest {
  /** The credential: one budget per installation or token. */
  key?: string;
  method?: string;
  /** The route (`/repos/{owner}/{repo}/...`) or URL. */
  url?: string;
  /** A GraphQL request's query, to tell a mutation from a query. */
  query?: string;
}

/** What a sent request reports back: its answer's status and headers (none without an answer). */
export type RequestDone = (status?: number, headers?: Record<string, unknown>) => void;

const MINUTE = 60_000;
const HOUR = 3_600_000;
const WRITES = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

const pathOf = (url = '') => url.replace(/^[a-z]+:\/\/[^/]+/i, '').split('?')[0]!;
const isGraphql = (url?: string) => /\/graphql$/.test(pathOf(url));
const isMutation = (r: PacedRequest) => isGraphql(r.url) && /^\s*mutation\b/.test(r.query ?? '');
/** Content-creating: GitHub's secondary limit counts these per minute and per hour. */
export const isWrite = (r: PacedRequest) =>
  isGraphql(r.url) ? isMutation(r) : WRITES.has(String(r.method ?? 'GET').toUpperCase());
const pointsOf = (r: PacedRequest) => (isWrite(r) ? 5 : 1);
const resourceOf = (r: PacedRequest) =>
  isGraphql(r.url) ? 'graphql' : pathOf(r.url).startsWith('/search/') ? 'search' : 'core';

/** Starts within a sliding window: when the next one may start so that no window holds more than a limit. */
class Window {
  private at: number[] = [];
  private weight: number[] = [];
  constructor(readonly ms: number) {}

  /** The earliest start at or after `now` at which `w` more fits within `limit` (starts are all <= now). */
  earliest(now: number, w: number, limit: number): number {
    let sum = w;
    for (let i = this.at.length - 1; i >= 0; i--) {
      sum += this.weight[i]!;
      if (sum > Math.max(limit, w)) return Math.max(now, this.at[i]! + this.ms);
    }
    return now;
  }

  book(at: number, w = 1): void {
    this.at.push(at);
    this.weight.push(w);
    let drop = 0;
    while (drop < this.at.length && this.at[drop]! <= at - this.ms) drop++;
    if (drop > 0) {
      this.at.splice(0, drop);
      this.weight.splice(0, drop);
    }
  }
}

interface Primary {
  limit: number;
  remaining: number;
  /** Epoch ms. */
  resetAt: number;
  /** Requests this process started since that answer. */
  sent: number;
}

/** One credential's budgets as this process spends them. */
class Credential {
  inFlight = 0;
  readonly slotWaiters: Array<() => void> = [];
  readonly writesMinute = new Window(MINUTE + BUDGET_SLACK_MS);
  readonly writesHour = new Window(HOUR + BUDGET_SLACK_MS);
  readonly restPoints = new Window(MINUTE + BUDGET_SLACK_MS);
  readonly graphqlPoints = new Window(MINUTE + BUDGET_SLACK_MS);
  readonly primary = new Map<string, Primary>();
  pausedUntil = 0;
}

export class RequestPacer {
  private perSecond: number | undefined;
  private readonly budgets: GitHubBudgets;
  private workers: number;
  private readonly credentials = new Map<string, Credential>();
  /** This process's starts, for requests_per_second (all credentials). */
  private rateStarts = new Window(1000 + ARRIVAL_SLACK_MS);
  private lastRateStart: number | undefined;
  private queued = 0;
  private delayedCount = 0;
  private readonly onDelayed: (() => void) | undefined;

  constructor(opts: PacerOptions = {}) {
    this.perSecond = opts.perSecond;
    this.budgets = { ...GITHUB_BUDGETS, ...opts.budgets };
    this.workers = Math.max(1, opts.workers ?? 1);
    this.onDelayed = opts.onDelayed;
  }

  /** Requests waiting for their turn. */
  get waiting(): number {
    return this.queued;
  }

  /** Requests that did not start at once (a budget or the ceiling held them back), since this pacer began. */
  get delayed(): number {
    return this.delayedCount;
  }

  /** This process's share of requests_per_second, if set. */
  get rate(): number | undefined {
    return this.perSecond === undefined ? undefined : this.perSecond / this.workers;
  }

  /** The GitHub worker processes sharing the budgets; applies to the next request. */
  setWorkers(n: number): void {
    this.workers = Math.max(1, n);
  }

  /** This process's share of a budget for all processes: never more than the budget in sum. */
  share(budget: number): number {
    return Math.max(1, Math.floor(budget / this.workers));
  }

  private credential(key = ''): Credential {
    let c = this.credentials.get(key);
    if (!c) this.credentials.set(key, (c = new Credential()));
    return c;
  }

  /**
   * The earliest time at or after `now` at which `request` may start as far as the time-bound budgets go
   * (requests in flight are counted by take). Every bound is a fixed time, so one pass finds it.
   */
  next(request: PacedRequest, now: number): number {
    const c = this.credential(request.key);
    let at = Math.max(now, c.pausedUntil);
    const rate = this.rate;
    if (rate !== undefined) {
      if (this.lastRateStart !== undefined) at = Math.max(at, this.lastRateStart + 1000 / rate);
      // No window of a second (plus the slack) holds more whole requests than the share allows: spacing
      // alone would let a share of 3.4/s start 4 in one second, and 3 workers would then make 12 of 10.
      // A share below one request per second gets one request per 1/share seconds.
      const window = (rate >= 1 ? 1000 : 1000 / rate) + ARRIVAL_SLACK_MS;
      if (window !== this.rateStarts.ms) this.rateStarts = new Window(window);
      at = Math.max(at, this.rateStarts.earliest(now, 1, Math.floor(rate)));
    }
    const points = pointsOf(request);
    if (isGraphql(request.url))
      at = Math.max(at, c.graphqlPoints.earliest(now, points, this.share(this.budgets.graphqlPointsPerMinute)));
    else at = Math.max(at, c.restPoints.earliest(now, points, this.share(this.budgets.restPointsPerMinute)));
    if (isWrite(request)) {
      at = Math.max(at, c.writesMinute.earliest(now, 1, this.share(this.budgets.writesPerMinute)));
      at = Math.max(at, c.writesHour.earliest(now, 1, this.share(this.budgets.writesPerHour)));
    }
    const p = c.primary.get(resourceOf(request));
    if (p && now < p.resetAt) {
      const reserve = Math.ceil(p.limit / 50);
      if (Math.floor((p.remaining - reserve) / this.workers) - p.sent <= 0) at = Math.max(at, p.resetAt + 1000);
    }
    return at;
  }

  /** Counts `request` as started at `now` in every budget it spends. */
  book(request: PacedRequest, now: number): void {
    const c = this.credential(request.key);
    if (this.perSecond !== undefined) {
      this.rateStarts.book(now);
      this.lastRateStart = now;
    }
    (isGraphql(request.url) ? c.graphqlPoints : c.restPoints).book(now, pointsOf(request));
    if (isWrite(request)) {
      c.writesMinute.book(now);
      c.writesHour.book(now);
    }
    const p = c.primary.get(resourceOf(request));
    if (p) p.sent++;
  }

  /** What an answer says of the budgets: the primary limit that remains, and a rate-limit answer's wait. */
  answered(request: PacedRequest, status: number | undefined, headers: Record<string, unknown> = {}, now = Date.now()) {
    const c = this.credential(request.key);
    const h = (name: string) => (headers[name] === undefined ? undefined : String(headers[name]));
    const remaining = Number(h('x-ratelimit-remaining'));
    const limit = Number(h('x-ratelimit-limit'));
    const reset = Number(h('x-ratelimit-reset'));
    if (h('x-ratelimit-remaining') !== undefined && [remaining, limit, reset].every(Number.isFinite)) {
      const resource = h('x-ratelimit-resource') ?? resourceOf(request);
      const resetAt = reset * 1000;
      const known = c.primary.get(resource);
      // Answers come back out of order: within one window, the lowest remaining is the latest.
      if (!known || known.resetAt !== resetAt || remaining < known.remaining)
        c.primary.set(resource, { limit, remaining, resetAt, sent: 0 });
    }
    if (status === 403 || status === 429) {
      const wait =
        retryAfterMs(h, now) ??
        (h('x-ratelimit-remaining') === '0' && Number.isFinite(reset) ? reset * 1000 - now + 1000 : undefined);
      if (wait !== undefined) c.pausedUntil = Math.max(c.pausedUntil, now + wait);
    }
  }

  /**
   * Resolves when `request` may start, with a function to call with its answer. Rejects with a
   * RequestDropped, and the request is not sent, when `limits.signal` aborts while it waits or its turn
   * comes after `limits.deadline`.
   */
  async take(request: PacedRequest = {}, limits: RequestLimits = {}): Promise<RequestDone> {
    const { signal, deadline } = limits;
    const c = this.credential(request.key);
    let counted = false;
    try {
      for (;;) {
        if (signal?.aborted) throw new RequestDropped('its activity was cancelled');
        if (c.inFlight >= this.share(this.budgets.concurrent)) {
          if (!counted) counted = this.countDelay();
          await this.wait(limits, (wake) => {
            c.slotWaiters.push(wake);
            return () => c.slotWaiters.splice(c.slotWaiters.indexOf(wake) >>> 0, 1);
          });
          continue;
        }
        const now = Date.now();
        const at = this.next(request, now);
        if (at <= now) {
          this.book(request, now);
          c.inFlight++;
          let done = false;
          return (status, headers) => {
            if (done) return;
            done = true;
            this.answered(request, status, headers);
            c.inFlight--;
            c.slotWaiters.shift()?.();
          };
        }
        if (deadline !== undefined && at >= deadline)
          throw new RequestDropped("its turn comes after its activity's deadline", at - now);
        if (!counted) counted = this.countDelay();
        await this.wait(limits, (wake) => {
          const timer = setTimeout(wake, at - now);
          return () => clearTimeout(timer);
        });
      }
    } finally {
      // A slot this request gave up waiting for goes to the next one.
      if (c.inFlight < this.share(this.budgets.concurrent)) c.slotWaiters.shift()?.();
    }
  }

  private countDelay(): true {
    this.delayedCount++;
    this.onDelayed?.();
    return true;
  }

  /** Waits until `arm`'s wake-up, the activity's cancellation or its deadline, whichever comes first. */
  private async wait(limits: RequestLimits, arm: (wake: () => void) => () => void): Promise<void> {
    const { signal, deadline } = limits;
    this.queued++;
    try {
      await new Promise<void>((resolve, reject) => {
        let deadlineTimer: ReturnType<typeof setTimeout> | undefined;
        const finish = (err?: Error) => {
          disarm();
          clearTimeout(deadlineTimer);
          signal?.removeEventListener('abort', onAbort);
          if (err) reject(err);
          else resolve();
        };
        const disarm = arm(() => finish());
        const onAbort = () => finish(new RequestDropped('its activity was cancelled'));
        signal?.addEventListener('abort', onAbort, { once: true });
        if (deadline !== undefined)
          deadlineTimer = setTimeout(
            () => finish(new RequestDropped("its turn did not come before its activity's deadline", 1000)),
            Math.max(0, deadline - Date.now()),
          );
      });
    } finally {
      this.queued--;
    }
  }

  /**
   * Every request of `octokit` waits for its turn, as long as its activity (if any) lives, and its answer
   * updates the budgets of `key` (the credential: an installation or a token).
   */
  pace(octokit: Octokit, key = ''): Octokit {
    octokit.hook.wrap('request', async (request, options) => {
      const own = (options.request as { signal?: AbortSignal } | undefined)?.signal;
      const activity = activityLimits();
      const signals = [own, activity.signal].filter((s): s is AbortSignal => s !== undefined);
      const paced: PacedRequest = {
        key,
        method: String(options.method),
        url: String(options.url),
        query: typeof options.query === 'string' ? options.query : undefined,
      };
      const done = await this.take(paced, {
        signal: signals.length > 1 ? AbortSignal.any(signals) : signals[0],
        deadline: activity.deadline,
      });
      try {
        const response = await request(options);
        done(response.status, response.headers as Record<string, unknown>);
        return response;
      } catch (err) {
        const e = err as { status?: number; response?: { headers?: Record<string, unknown> } };
        done(e.status, e.response?.headers);
        throw err;
      }
    });
    return octokit;
  }
}

export interface RequestLimits {
  signal?: AbortSignal;
  /** Epoch ms after which the request must not start. */
  deadline?: number;
}

/** A request the pacer dropped from its queue instead of sending it. */
export class RequestDropped extends Error {
  constructor(
    why: string,
    /** When the budget allows the request again, if that is why it was dropped: when to retry. */
    readonly retryAfterMs?: number,
  ) {
    super(`GitHub request not sent: ${why}`);
    this.name = 'RequestDropped';
  }
}

/** When each activity attempt was first seen here: its start, as near as this module can tell. */
const firstSeen = new WeakMap<Context, number>();

/**
 * The current activity's cancellation signal and deadline: its start-to-close timeout from when this
 * attempt was first seen, and its schedule-to-close timeout. Nothing outside an activity.
 */
export function activityLimits(now = Date.now()): RequestLimits {
  let ctx: Context;
  try {
    ctx = Context.current();
  } catch {
    return {};
  }
  let started = firstSeen.get(ctx);
  if (started === undefined) firstSeen.set(ctx, (started = now));
  const { startToCloseTimeoutMs, scheduleToCloseTimeoutMs, scheduledTimestampMs } = ctx.info;
  const ends = [
    startToCloseTimeoutMs > 0 ? started + startToCloseTimeoutMs : Infinity,
    scheduleToCloseTimeoutMs > 0 ? scheduledTimestampMs + scheduleToCloseTimeoutMs : Infinity,
  ];
  const deadline = Math.min(...ends);
  return { signal: ctx.cancellationSignal, deadline: Number.isFinite(deadline) ? deadline : undefined };
}
