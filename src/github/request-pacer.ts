// Spaces this process's GitHub API requests so that all worker processes together stay within
// platforms.github.requests_per_second: each process takes its share (the rate divided by the GitHub
// workers polling the queue, see worker-share.ts). Every HTTP request counts, also each page of a listing
// and each file read inside one activity, which the task queue's activity rate cannot see.
import type { Octokit } from '@octokit/rest';

export class RequestPacer {
  private next = 0;
  private perSecond: number;

  constructor(perSecond: number) {
    this.perSecond = perSecond;
  }

  get rate(): number {
    return this.perSecond;
  }

  setRate(perSecond: number): void {
    this.perSecond = perSecond;
  }

  /** Resolves when the next request may start. */
  async take(): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.next);
    this.next = at + 1000 / this.perSecond;
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  }

  /** Every request of `octokit` waits for its turn. */
  pace(octokit: Octokit): Octokit {
    octokit.hook.before('request', () => this.take());
    return octokit;
  }
}
