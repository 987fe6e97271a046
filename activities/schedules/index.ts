// A Schedule Trigger bound to a gate (issue 29: "a nightly re-review of open pull requests"): each firing lists
// the repository's open pull or merge requests (the forge port's openChanges, at most MAX_OPEN_CHANGES) and
// asks each one's gate to review its current head, by the same signal-with-start as a `/review` comment
// (src/ingress/dispatch.ts). It runs on the forge task queue (the listing is paced as every forge call is)
// and answers counts only: the list never crosses into the firing's history.
//
// Once per pull request and head per firing: each request's delivery id is the firing's, the number and the
// head the listing gave, so a retried activity sends the same request and the gate counts it once. Each
// firing's request is an explicit ask, as `/review` is (the gate reads its reason, the binding's key
// `schedule`): a head already reviewed is reviewed again, under the base's configuration of that night, with
// the verdicts of unchanged functions reused (no model call for them) and a head the quota or a pause left
// unreviewed taken up once the gate's rules allow it.
import { createHash } from 'node:crypto';
import { log } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { createDispatcher } from '../../src/ingress/dispatch.js';
import { isValidDeliveryId } from '../../src/temporal/workflow-ids.js';
import { changeNoun, targetOf, type ForgeTarget, type ForgeVerbs } from '../../src/forges/port.js';
import type { RoutedEventInput } from '../../workflows/types.js';
import { MAX_OPEN_CHANGES } from '../../src/forges/open-changes.js';

export interface ReReviewInput {
  /** The firing's routed event, bound to a gate: the repository, the gate and how its runs start. */
  event: Omit<RoutedEventInput, 'deliveryId'>;
  /** The firing's delivery id; each request's is `<it>-<number>-<head>`. */
  deliveryId: string;
  limit: number;
}

export interface ReReviewResult {
  /** Gates asked to review (one per open pull request listed). */
  asked: number;
  /** Open ones not asked about this time (beyond the limit); `more` alone where the forge does not count them. */
  leftOut?: number;
  more: boolean;
  /** What the firing did, in a sentence (its log line and result). */
  note: string;
}

/** The delivery id of the firing's request for one head: the firing's, shortened (with its hash) when long. */
export function requestDeliveryId(firing: string, number: number, headSha: string): string {
  const tail = `${number}-${headSha.replace(/[^A-Za-z0-9]/g, '').slice(0, 12)}`;
  const id = `${firing}-${tail}`;
  if (isValidDeliveryId(id)) return id;
  return `${firing.slice(0, 60)}-${createHash('sha256').update(firing).digest('hex').slice(0, 16)}-${tail}`;
}

/** The firing's request for one pull request, as the ingress would route a `/review` on it. */
function requestOf(i: ReReviewInput, number: number, headSha: string): RoutedEventInput {
  return {
    ...i.event,
    deliveryId: requestDeliveryId(i.deliveryId, number, headSha),
    metadata: { ...i.event.metadata, pr_number: number },
    // The listed head where it is a whole commit id: a request repeated while that head's review runs then
    // waits for it (a head-less one, as a `/review` comment's, would restart it). Bitbucket Cloud lists
    // heads abbreviated: its gate looks the head up, as for `/review`.
    review: { number, ...(/^([0-9a-f]{40}|[0-9a-f]{64})$/i.test(headSha) ? { headSha } : {}) },
  };
}

export function createScheduleActivities(
  verbsOf: (t: ForgeTarget) => ForgeVerbs,
  client: () => Promise<Client>,
  taskQueue: string,
) {
  return {
    async askGatesToReview(i: ReReviewInput): Promise<ReReviewResult> {
      const repository = String(i.event.metadata.repo_full_name);
      const target = targetOf(i.event.forge ?? 'github', repository);
      const listed = await verbsOf(target).openChanges(target, Math.min(i.limit, MAX_OPEN_CHANGES));
      const dispatch = createDispatcher(await client(), taskQueue);
      for (const c of listed.changes) await dispatch(requestOf(i, c.number, c.headSha));
      const noun = `${changeNoun(target)}s`;
      const leftOut = listed.total !== undefined ? Math.max(0, listed.total - listed.changes.length) : undefined;
      const cut = !listed.more
        ? ''
        : leftOut !== undefined
          ? `; ${leftOut} more open ${noun} left out (at most ${listed.changes.length} a firing)`
          : `; more open ${noun} left out (at most ${listed.changes.length} a firing)`;
      const note = `asked the ${i.event.target.name} gate of ${listed.changes.length} open ${noun} of ${repository} to review their heads${cut}`;
      log.info(note);
      return { asked: listed.changes.length, ...(leftOut !== undefined ? { leftOut } : {}), more: listed.more, note };
    },
  };
}

export type ScheduleActivities = ReturnType<typeof createScheduleActivities>;
