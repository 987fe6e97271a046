// Spaces this process's GitHub API requests so that all worker processes together stay within
// platforms.github.requests_per_second: each process takes its share (the rate divided by the GitHub
// workers polling the queue, see worker-share.ts). Every HTTP request counts, also each page of a listing
// and each file read inside one activity, which the task queue's activity rate cannot see.
//
// A request waits for its turn only as long as its activity lives: when the activity is cancelled (also
// when Temporal tells the heartbeat that it timed out) or its deadline passes, the request leaves the
// queue unsent, since Temporal has already retried the activity elsewhere.
import { Context } from '@temporalio/activity';
import type { Octokit } from '@octokit/rest';

/**
 * A request reaches GitHub some milliseconds after its turn, and not always the same number (a busy event
 * loop, a new connection): the window is this much longer than a second, so a late request and an
 * on-time one a "second" later do not land in the same second.
 */
export const ARRIVAL_SLACK_MS = 50;

export class RequestPacer {
  private perSecond: number;
  /** Booked start times, oldest first: the recent ones and those still to come (the last `limit` matter). */
  private starts: number[] = [];
  private queued = 0;

  constructor(perSecond: number) {
    this.perSecond = perSecond;
  }

  /** Requests waiting for their turn. */
  get waiting(): number {
    return this.queued;
  }

  get rate(): number {
    return this.perSecond;
  }

  setRate(perSecond: number): void {
    this.perSecond = perSecond;
  }

  /**
   * Books the next request's start at or after `now` and returns it. Requests are spaced evenly, and no
   * window of a second (plus the slack) holds more than the whole requests the share allows: spacing alone
   * would let a share of 3.4/s start 4 in one second, and 3 workers would then make 12 where 10 are allowed.
   * A share below one request per second gets one request per 1/share seconds.
   */
  reserve(now: number): number {
    const limit = Math.max(1, Math.floor(this.perSecond));
    const window = (this.perSecond >= 1 ? 1000 : 1000 / this.perSecond) + ARRIVAL_SLACK_MS;
    const last = this.starts.at(-1);
    let at = last === undefined ? now : Math.max(now, last + 1000 / this.perSecond);
    if (this.starts.length >= limit) at = Math.max(at, this.starts[this.starts.length - limit]! + window);
    this.starts.push(at);
    // Keep every booking that can still bear on one made from now on (a dropped request's booking is given
    // back, and those before it count again), and at least the last `limit`.
    const horizon = now - window - 1000 / this.perSecond;
    let drop = 0;
    while (drop < this.starts.length - limit && this.starts[drop]! < horizon) drop++;
    if (drop > 0) this.starts.splice(0, drop);
    return at;
  }

  /** Gives a booked start back (a request that left the queue), so later requests need not wait for it. */
  private release(at: number): void {
    const i = this.starts.lastIndexOf(at);
    if (i >= 0) this.starts.splice(i, 1);
  }

  /**
   * Resolves when the next request may start. Rejects with a RequestDropped, and the request is not sent,
   * when `limits.signal` aborts while it waits or its turn comes after `limits.deadline`.
   */
  async take(limits: RequestLimits = {}): Promise<void> {
    const { signal, deadline } = limits;
    if (signal?.aborted) throw new RequestDropped('its activity was cancelled');
    const now = Date.now();
    const at = this.reserve(now);
    if (deadline !== undefined && at >= deadline) {
      this.release(at);
      throw new RequestDropped("its turn comes after its activity's deadline");
    }
    if (at <= now) return;
    this.queued++;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, at - now);
        const onAbort = () => {
          clearTimeout(timer);
          this.release(at);
          reject(new RequestDropped('its activity was cancelled'));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    } finally {
      this.queued--;
    }
  }

  /** Every request of `octokit` waits for its turn, as long as its activity (if any) lives. */
  pace(octokit: Octokit): Octokit {
    octokit.hook.before('request', (options) => {
      const own = (options.request as { signal?: AbortSignal } | undefined)?.signal;
      const activity = activityLimits();
      const signals = [own, activity.signal].filter((s): s is AbortSignal => s !== undefined);
      return this.take({
        signal: signals.length > 1 ? AbortSignal.any(signals) : signals[0],
        deadline: activity.deadline,
      });
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
  constructor(why: string) {
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
