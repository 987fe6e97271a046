// What a push does to a change's review threads (report: review), the same on every forge: each finding
// is matched with the bot's thread of the same marker (its identity), and the plan says which findings get
// a new thread, which threads are resolved (fixed) or reopened (found again after the bot resolved them),
// and counts the rest. Pure: each adapter reads its forge's threads into BotThread and writes the plan.
import { threadMarker } from './findings.js';
import type { ReviewFinding, ReviewThreads } from './port.js';
import { MUTATIONS_MAX } from './review-limits.js';

/** A thread the bot started for a finding, as its adapter read it. */
export interface BotThread {
  id: string;
  /** The file it is on (absent: unknown, never resolved as fixed). */
  path?: string;
  resolved: boolean;
  /** Resolved by someone other than the bot, or answered as wrong or won't-fix. */
  dismissed: boolean;
  /** Written by this operation (an earlier attempt of the same activity). */
  mine: boolean;
}

export interface ThreadPlan {
  /** Counts, `fixed` those resolved by this plan (`requests` left to the adapter). */
  counts: Omit<ReviewThreads, 'requests' | 'url'>;
  /** Findings that get a thread now, with their marker. */
  post: { f: ReviewFinding; marker: string }[];
  /** Threads to resolve (fixed) or reopen (found again), reopenings first, at most MUTATIONS_MAX. */
  changes: { id: string; resolve: boolean }[];
}

export function planThreads(
  findings: readonly ReviewFinding[],
  threads: ReadonlyMap<string, BotThread>,
  analysedPaths: readonly string[],
): ThreadPlan {
  const counts = { new: 0, remaining: 0, fixed: 0, dismissed: 0, notOnDiff: 0 };
  const found = new Set<string>();
  const changes: ThreadPlan['changes'] = [];
  const post: ThreadPlan['post'] = [];
  for (const f of findings) {
    const marker = threadMarker(f);
    if (found.has(marker)) continue;
    found.add(marker);
    const thread = threads.get(marker);
    if (thread?.mine) counts.new++;
    else if (thread?.dismissed) counts.dismissed++;
    else if (thread) {
      counts.remaining++;
      // The bot resolved it as fixed on an earlier push, and it is back: its thread opens again.
      if (thread.resolved) changes.push({ id: thread.id, resolve: false });
    } else if (!f.onDiff) counts.notOnDiff++;
    else post.push({ f, marker });
  }
  // A file this review did not analyse says nothing of its findings: only analysed files' threads are fixed.
  const analysed = new Set(analysedPaths);
  for (const [marker, thread] of threads)
    if (!found.has(marker) && !thread.resolved && thread.path !== undefined && analysed.has(thread.path))
      changes.push({ id: thread.id, resolve: true });
  // What the cap leaves is resolved on the next push (and counted then).
  const sent = changes.slice(0, MUTATIONS_MAX);
  counts.fixed = sent.filter((c) => c.resolve).length;
  return { counts, post, changes: sent };
}
