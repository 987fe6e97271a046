// Spaces this process's GitHub API requests so that all worker processes together stay within
// platforms.github.requests_per_second: each process takes its share (the rate divided by the GitHub
// workers polling the queue, see worker-share.ts). Every HTTP request counts, also each page of a listing
// and each file read inside one activity, which the task queue's activity rate cannot see.
import type { Octokit } from '@octokit/rest';

/**
 * A request reaches GitHub some milliseconds after its turn, and not always the same number (a busy event
 * loop, a new connection): the window is this much longer than a second, so a late request and an
 * on-time one a "second" later do not land in the same second.
 */
export const ARRIVAL_SLACK_MS = 50;

export class RequestPacer {
  private perSecond: number;
  /** Start times of the most recent requests, oldest first (at most `limit` of them matter). */
  private starts: number[] = [];

  constructor(perSecond: number) {
    this.perSecond = perSecond;
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
    if (this.starts.length > limit) this.starts.splice(0, this.starts.length - limit);
    return at;
  }

  /** Resolves when the next request may start. */
  async take(): Promise<void> {
    const now = Date.now();
    const at = this.reserve(now);
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  }

  /** Every request of `octokit` waits for its turn. */
  pace(octokit: Octokit): Octokit {
    octokit.hook.before('request', () => this.take());
    return octokit;
  }
}
