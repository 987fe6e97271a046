// The gate of one pull request, addressed as `gate/<owner>/<repo>#<n>`: it receives review requests as
// signals and runs one review at a time, always of the newest head. A newer push cancels the running
// review of an older head (its check run ends as superseded). It keeps earlier results so unchanged
// functions are not reviewed twice, and ends after a quiet period (a later push starts it again).
import { forgeOf, forgeTargetOf } from '../src/forges/port.js';
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  deprecatePatch,
  executeChild,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Gate } from '../src/config/schema.js';
import { markRun } from './run-attributes.js';
import { forgeActivities } from './activities.js';
import { gateStateQuery, priorResultsQuery, reviewSignal, type ReviewRequest } from './definitions.js';
import type { GateVerdict } from '../src/gate/verdict.js';
import { PROMPT_CACHE_WARM_MS, prReviewWorkflow, type PrReviewResult, type PrTarget } from './pr-review.js';
import type { ReviewerResult } from '../src/gate/types.js';

export interface PrGateInput {
  pr: PrTarget;
  gate: Gate['spec'];
  githubTaskQueue: string;
  detailsUrlBase?: string;
  modelTurnTimeoutSecs: number;
  /** Carried over continue-as-new. */
  cache?: Record<string, ReviewerResult>;
  seen?: string[];
  reviews?: number;
  /** The request that arrived as the previous run continued as new. */
  pending?: ReviewRequest;
  /** When a review last wrote or read the gate's prompt in the model provider's cache (workflow time). */
  promptCachedAt?: number;
  /** The last review's verdict, for gateStateQuery (bounded: see src/gate/verdict.ts). */
  verdict?: GateVerdict;
}

export interface PrGateResult {
  reviews: number;
  last?: PrReviewResult;
}

const MAX_CACHE = 2000;
const QUIET = '2 hours';

/** Whether someone asked for this review explicitly (a re-run of the check, a `/review` comment). */
const asked = (req: ReviewRequest) => /rerequested|^\//.test(req.reason);

export async function prGateWorkflow(input: PrGateInput): Promise<PrGateResult> {
  const seen = new Set(input.seen ?? []);
  let cache = input.cache ?? {};
  let pending: ReviewRequest | undefined = input.pending;
  let reviews = input.reviews ?? 0;
  let last: PrReviewResult | undefined;
  let promptCachedAt = input.promptCachedAt;
  let verdict = input.verdict;
  let reviewing: string | undefined;
  /** A request taken from `pending` whose review has not begun yet (for the query only). */
  let starting = false;
  /** What the next run of this gate takes over (continue-as-new). */
  const carried = (): PrGateInput => ({
    ...input,
    cache,
    seen: [...seen].slice(-500),
    reviews,
    pending,
    promptCachedAt,
    // Continue-as-new input is not compared on replay; absent in runs from before verdicts existed.
    ...(verdict ? { verdict } : {}),
  });

  const repository = `${input.pr.owner}/${input.pr.repo}`;
  const setState = markRun(
    'prGateWorkflow',
    { kind: 'gate', forge: forgeOf(input.pr), repository, number: input.pr.number },
    'idle',
  );
  // A query adds nothing to the history; the state it reads is set next to what the gate already did.
  setHandler(gateStateQuery, () => {
    const { cache: _c, seen: _s, pending: _p, verdict: _v, reviews: _r, promptCachedAt: _t, ...start } = input;
    return {
      start,
      ...(reviewing ? { reviewing } : {}),
      pending: pending !== undefined || starting,
      reviews,
      ...(verdict ? { verdict } : {}),
    };
  });
  // A merge group's review reuses this PR's results for functions of identical code (merge-group-review.ts).
  // Bounded by what it asks (the group's analysed functions); errors are not verdicts.
  setHandler(priorResultsQuery, ({ keys, title, model }) => {
    if (title !== input.gate.title || model !== input.gate.model) return {};
    const found: Record<string, ReviewerResult> = {};
    for (const key of keys.slice(0, MAX_CACHE)) {
      const r = cache[key];
      if (r && !r.error) found[key] = r;
    }
    return found;
  });
  setHandler(reviewSignal, (req) => {
    if (seen.has(req.deliveryId)) return; // a redelivery counts once
    seen.add(req.deliveryId);
    pending = req;
  });

  for (;;) {
    if (!(await condition(() => pending !== undefined, QUIET))) break;
    if (workflowInfo().continueAsNewSuggested) {
      // The request that woke us goes along, and so does anything a handler is still taking in.
      deprecatePatch('gate-carries-pending-across-continue-as-new');
      await condition(allHandlersFinished);
      await continueAsNew<typeof prGateWorkflow>(carried());
    }
    const req = pending!;
    pending = undefined;
    starting = true;
    const forge = forgeActivities(input.githubTaskQueue);
    const pull = forgeTargetOf(input.pr);
    const headSha = req.headSha ?? (await forge.getPullHead({ ...pull, pullNumber: input.pr.number })).sha;
    // GitHub remembers what was reviewed, also across the gate's quiet exits: a head whose gate check
    // already completed is reviewed again only when someone asks (a re-run or /review).
    deprecatePatch('gate-remembers-reviewed-heads-and-follows-the-actual-head');
    if (!asked(req) && (await forge.gateCheckDone({ ...pull, headSha, name: `${input.gate.title} Gate Check` }))) {
      setState(`idle: ${headSha.slice(0, 7)} already reviewed`);
      starting = false;
      continue;
    }

    setState(`reviewing ${headSha.slice(0, 7)}`);
    reviewing = headSha;
    starting = false;
    const scope = new CancellationScope();
    const child = scope.run(() =>
      executeChild(prReviewWorkflow, {
        workflowId: `${workflowInfo().workflowId}/${headSha.slice(0, 12)}-${++reviews}`,
        args: [
          {
            pr: input.pr,
            headSha,
            gate: input.gate,
            githubTaskQueue: input.githubTaskQueue,
            detailsUrlBase: input.detailsUrlBase,
            cache,
            modelTurnTimeoutSecs: input.modelTurnTimeoutSecs,
            promptCacheWarm: promptCachedAt !== undefined && Date.now() - promptCachedAt < PROMPT_CACHE_WARM_MS,
          },
        ],
      }),
    );
    let done = false;
    const settled = child.then(
      (r) => ({ ok: true as const, r }),
      (e: unknown) => ({ ok: false as const, e }),
    );
    void settled.then(() => (done = true));
    // A request for another head while this one runs supersedes it only when that head is
    // the PR's actual head; a late delivery of an older head, or a re-run of one, waits its turn.
    // Once Temporal suggests continuing as new, the review runs to its end without further checks (each
    // would be an activity in this run's history), and the gate continues as new right after it.
    const rotates = patched('gate-continues-as-new-after-a-review');
    const suggested = () => rotates && workflowInfo().continueAsNewSuggested;
    for (;;) {
      await condition(() => done || suggested() || (pending !== undefined && pending.headSha !== headSha));
      if (done) break;
      if (suggested()) {
        await condition(() => done);
        break;
      }
      const next: ReviewRequest = pending!;
      const actual =
        next.headSha === undefined
          ? undefined
          : (await forge.getPullHead({ ...pull, pullNumber: input.pr.number })).sha;
      if (next.headSha === undefined || next.headSha === actual) {
        scope.cancel();
        break;
      }
      if (!asked(next) && pending === next) pending = undefined; // stale: the PR has moved past it
      await condition(() => done || (pending !== undefined && pending !== next));
      if (done) break;
    }
    const outcome = await settled;
    reviewing = undefined;
    if (outcome.ok) {
      last = outcome.r;
      verdict = outcome.r.verdict ?? verdict;
      const u = outcome.r.usage;
      if (u && u.cache_read_input_tokens + u.cache_creation_input_tokens > 0) promptCachedAt = Date.now();
      cache = { ...cache, ...outcome.r.cache };
      const keys = Object.keys(cache);
      if (keys.length > MAX_CACHE) cache = Object.fromEntries(keys.slice(-MAX_CACHE).map((k) => [k, cache[k]!]));
    }
    // A failed or cancelled review already concluded its check run; the gate keeps serving the PR.
    setState(outcome.ok ? `idle: ${headSha.slice(0, 7)} ${outcome.r.conclusion}` : 'idle');
    if (suggested()) {
      // The request that arrived meanwhile goes along, unless it is a push the PR has already moved past
      // (as the loop above would have found).
      const next = pending as ReviewRequest | undefined; // set by the signal handler meanwhile
      if (next?.headSha !== undefined && next.headSha !== headSha && !asked(next)) {
        const actual = (await forge.getPullHead({ ...pull, pullNumber: input.pr.number })).sha;
        if (next.headSha !== actual && pending === next) pending = undefined;
      }
      await condition(allHandlersFinished);
      await continueAsNew<typeof prGateWorkflow>(carried());
    }
  }
  return { reviews, last };
}
