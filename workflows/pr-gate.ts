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
import {
  gateCommandSignal,
  gateStateQuery,
  priorResultsQuery,
  reviewSignal,
  type GateCommand,
  type ReviewRequest,
} from './definitions.js';
import { changeNoun } from '../src/forges/port.js';
import { MAX_QUIET_PERIODS, PAUSE_PERMISSION, quietPeriodMs } from '../src/gate/pause.js';
import { notReviewedCheck, type NotReviewed } from '../src/gate/not-reviewed.js';
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
  /** Set while the gate is paused (`/pause`): who paused it. Absent in runs from before pausing existed. */
  paused?: { by: string };
  /** `/pause` and `/resume` comments not yet answered (at most MAX_COMMANDS). */
  commands?: GateCommand[];
}

export interface PrGateResult {
  reviews: number;
  last?: PrReviewResult;
}

const MAX_CACHE = 2000;
const QUIET = '2 hours';
/** A paused gate keeps its pause this long without any activity on the pull request, then ends. */
const PAUSED_QUIET = '30 days';
/** Unanswered `/pause` and `/resume` comments kept at once: more are a flood, and dropped. */
const MAX_COMMANDS = 10;
/** Heads a quiet period coalesces at most; an older one beyond this is marked superseded at once. */
const MAX_COALESCED = 20;

/**
 * Whether someone asked for this review explicitly (a re-run of the check, a `/review` comment, a Schedule
 * Trigger's re-review of the open pull requests: its reason is its binding's key, `schedule`). Replay-safe:
 * no gate run received a `schedule` request before a gate could be bound to a schedule.
 */
const asked = (req: ReviewRequest) => /rerequested|^\/|^schedule$/.test(req.reason);

/** The input without the pause state it carries (set again from the run's current state). */
function withoutPause(input: PrGateInput): PrGateInput {
  const { paused: _p, commands: _c, ...rest } = input;
  return rest;
}

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
  let paused = input.paused;
  const commands: GateCommand[] = [...(input.commands ?? [])];
  const quietMs = quietPeriodMs(input.gate);
  /** Heads of pushes a newer push overtook before the gate took them (quiet-period gates only). */
  const overtaken: string[] = [];
  /** What the next run of this gate takes over (continue-as-new). */
  const carried = (): PrGateInput => ({
    // What `paused` and `commands` are now, never the values this run started with.
    ...withoutPause(input),
    cache,
    seen: [...seen].slice(-500),
    reviews,
    pending,
    promptCachedAt,
    // Continue-as-new input is not compared on replay; absent in runs from before verdicts existed.
    ...(verdict ? { verdict } : {}),
    ...(paused ? { paused } : {}),
    ...(commands.length ? { commands: [...commands] } : {}),
  });

  const repository = `${input.pr.owner}/${input.pr.repo}`;
  const setState = markRun(
    'prGateWorkflow',
    { kind: 'gate', forge: forgeOf(input.pr), repository, number: input.pr.number },
    'idle',
  );
  // A query adds nothing to the history; the state it reads is set next to what the gate already did.
  setHandler(gateStateQuery, () => {
    const {
      cache: _c,
      seen: _s,
      pending: _p,
      verdict: _v,
      reviews: _r,
      promptCachedAt: _t,
      paused: _pa,
      commands: _co,
      ...start
    } = input;
    return {
      start,
      ...(reviewing ? { reviewing } : {}),
      pending: pending !== undefined || starting,
      reviews,
      ...(verdict ? { verdict } : {}),
      ...(paused ? { paused } : {}),
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
    // With a quiet period (a key no recorded run has), a head that a newer push overtakes before the gate
    // took it is remembered, so that its check says which commit superseded it.
    const over = pending?.headSha;
    if (quietMs !== undefined && over && over !== req.headSha && overtaken.length < MAX_COALESCED) overtaken.push(over);
    pending = req;
  });
  // Replay-safe without a patch: runs recorded before `/pause` existed never received this signal, so
  // `commands` stays empty and every new branch below that reads it or `paused` is never taken there.
  setHandler(gateCommandSignal, (c) => {
    if (seen.has(c.deliveryId)) return; // a redelivery counts once
    seen.add(c.deliveryId);
    if (commands.length < MAX_COMMANDS) commands.push(c);
  });

  const forge = forgeActivities(input.githubTaskQueue);
  const pull = forgeTargetOf(input.pr);
  const checkName = `${input.gate.title} Gate Check`;
  const actualHead = async (): Promise<string> =>
    (await forge.getPullHead({ ...pull, pullNumber: input.pr.number })).sha;
  const say = (body: string) => forge.postComment({ ...pull, issueNumber: input.pr.number, body });
  /** The one way a head the gate does not review says why: a completed, neutral check. */
  const notReviewed = async (headSha: string, why: NotReviewed) => {
    const check = notReviewedCheck(checkName, why);
    setState(`idle: ${headSha.slice(0, 7)} not reviewed (${why.kind})`);
    await forge.createCheckRun({
      ...pull,
      name: checkName,
      headSha,
      status: 'completed',
      conclusion: check.conclusion,
      output: { title: check.title, summary: check.summary },
      externalId: `${workflowInfo().workflowId}@${workflowInfo().runId}/${why.kind}/${headSha}`,
      orCommitStatus: true,
    });
  };
  /**
   * Answers the waiting `/pause` and `/resume` comments, one reply each: whoever lacks the permission is
   * told so and nothing changes. True when the gate was paused by one of them.
   */
  const obey = async (): Promise<boolean> => {
    let pausedNow = false;
    while (commands.length) {
      const c = commands.shift()!;
      const auth = await forge.authorizeApprover({
        ...pull,
        login: c.login,
        approvers: [],
        minPermission: PAUSE_PERMISSION,
      });
      if (!auth.allowed) {
        await say(
          `@${c.login} cannot \`/${c.command}\` the ${input.gate.title} gate: it takes ${PAUSE_PERMISSION} permission on this repository. Nothing changed.`,
        );
        continue;
      }
      if (c.command === 'pause') {
        if (paused) {
          await say(`The ${input.gate.title} gate is already paused (by @${paused.by}). Nothing changed.`);
          continue;
        }
        paused = { by: c.login };
        pausedNow = true;
        await say(
          `⏸️ ${input.gate.title} gate paused by @${c.login}: pushes to this ${changeNoun(input.pr)} are not reviewed until someone comments \`/resume\`.`,
        );
      } else {
        if (!paused) {
          await say(`The ${input.gate.title} gate is not paused. Nothing changed.`);
          continue;
        }
        paused = undefined;
        pausedNow = false;
        // The newest head is looked up when its review starts; asked for, so a head whose check says
        // "paused" is reviewed all the same.
        pending = { deliveryId: c.deliveryId, reason: '/resume' };
        await say(`▶️ ${input.gate.title} gate resumed by @${c.login}: reviewing the newest head.`);
      }
    }
    return pausedNow;
  };

  /**
   * Waits until no new push has arrived for `quietMs` (at most MAX_QUIET_PERIODS of them), then answers
   * the head to review: the pull request's actual head. Every other head pushed meanwhile gets a check
   * saying which commit superseded it. Undefined when the gate was paused meanwhile.
   */
  const quietPeriod = async (first: string, quietMs: number): Promise<string | undefined> => {
    const heads = [...overtaken.splice(0).filter((h) => h !== first), first];
    const until = Date.now() + quietMs * MAX_QUIET_PERIODS;
    setState(`waiting for a quiet period after ${first.slice(0, 7)}`);
    for (;;) {
      const left = Math.min(quietMs, until - Date.now());
      if (left <= 0) break;
      if (!(await condition(() => pending !== undefined || commands.length > 0, left))) break;
      if (commands.length && (await obey())) {
        for (const h of heads) await notReviewed(h, { kind: 'paused', by: paused!.by });
        return undefined;
      }
      const next = pending;
      pending = undefined;
      if (!next) continue;
      const head = next.headSha ?? (await actualHead());
      for (const h of [...overtaken.splice(0), head]) if (!heads.includes(h)) heads.push(h);
      if (heads.length > MAX_COALESCED) await notReviewed(heads.shift()!, { kind: 'superseded', by: head });
    }
    const actual = await actualHead();
    for (const h of heads) if (h !== actual) await notReviewed(h, { kind: 'superseded', by: actual });
    return actual;
  };

  for (;;) {
    // `commands` is empty and `paused` unset in runs recorded before pausing existed: the same wait.
    if (!(await condition(() => pending !== undefined || commands.length > 0, paused ? PAUSED_QUIET : QUIET))) break;
    if (workflowInfo().continueAsNewSuggested) {
      // The request that woke us goes along, and so does anything a handler is still taking in.
      deprecatePatch('gate-carries-pending-across-continue-as-new');
      await condition(allHandlersFinished);
      await continueAsNew<typeof prGateWorkflow>(carried());
    }
    if (commands.length) {
      // Only runs that received `/pause` or `/resume` come here (see gateCommandSignal's handler).
      if (await obey()) await notReviewed(await actualHead(), { kind: 'paused', by: paused!.by });
      continue;
    }
    const req = pending!;
    pending = undefined;
    starting = true;
    let headSha = req.headSha ?? (await actualHead());
    // GitHub remembers what was reviewed, also across the gate's quiet exits: a head whose gate check
    // already completed is reviewed again only when someone asks (a re-run or /review).
    deprecatePatch('gate-remembers-reviewed-heads-and-follows-the-actual-head');
    if (!asked(req) && (await forge.gateCheckDone({ ...pull, headSha, name: `${input.gate.title} Gate Check` }))) {
      setState(`idle: ${headSha.slice(0, 7)} already reviewed`);
      starting = false;
      continue;
    }
    if (paused) {
      // Only in runs that received `/pause` (replay-safe, as above).
      starting = false;
      await notReviewed(headSha, { kind: 'paused', by: paused.by });
      continue;
    }
    if (quietMs !== undefined) {
      // Only gates configured with `quiet_period` come here: the strict schema refused the key before it
      // existed, so no recorded run has it (replay-safe without a patch).
      const coalesced = await quietPeriod(headSha, quietMs);
      starting = false;
      if (coalesced === undefined) continue; // paused meanwhile: its check says so
      headSha = coalesced;
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
    let pausing = false;
    for (;;) {
      await condition(
        () =>
          done ||
          suggested() ||
          commands.length > 0 || // never true in runs recorded before `/pause` existed
          (pending !== undefined && pending.headSha !== headSha),
      );
      if (done) break;
      if (suggested()) {
        await condition(() => done);
        break;
      }
      if (commands.length) {
        // A pause stops the running review; its head's check then says who paused the gate.
        if (await obey()) {
          pausing = true;
          scope.cancel();
          break;
        }
        continue;
      }
      const next: ReviewRequest = pending!;
      const actual = next.headSha === undefined ? undefined : await actualHead();
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
    // `obey` set it (TypeScript does not follow the assignment into the closure).
    const pausedBy = (paused as PrGateInput['paused'])?.by;
    if (pausing && pausedBy) await notReviewed(headSha, { kind: 'paused', by: pausedBy });
    if (suggested()) {
      // The request that arrived meanwhile goes along, unless it is a push the PR has already moved past
      // (as the loop above would have found).
      const next = pending as ReviewRequest | undefined; // set by the signal handler meanwhile
      if (next?.headSha !== undefined && next.headSha !== headSha && !asked(next)) {
        const actual = await actualHead();
        if (next.headSha !== actual && pending === next) pending = undefined;
      }
      await condition(allHandlersFinished);
      await continueAsNew<typeof prGateWorkflow>(carried());
    }
  }
  return { reviews, last };
}
