// One review of one head commit, as the gate check's analysis flow reads: the check run in progress at once;
// the pull request read while the month's analysis is reserved; skipped when the repository's
// configuration says so; its changed functions reviewed; the report (line threads, the verdict with its
// annotations, the comment). Cancelled when a newer push supersedes it, the check then concluded as such.
// Each step is a small function: ./pr-review/steps.ts reads and decides, ./pr-review/check.ts is the one
// place that posts (when the check is created, updated and completed; the comment; the threads).
import { changeNoun, forgeOf, type ForgeName } from '../src/forges/port.js';
import { deprecatePatch, isCancellation, setCurrentDetails } from '@temporalio/workflow';
import type { Gate } from '../src/config/schema.js';
import type { ReviewerResult } from '../src/gate/types.js';
import type { Usage } from '../src/agents/model-types.js';
import { verdictOf, type GateVerdict } from '../src/gate/verdict.js';
import { markRun } from './run-attributes.js';
import { forgeActivities, gateModelActivities } from './activities.js';
import { GateCheck } from './pr-review/check.js';
import { repositoryRules, reserveAnalysis, reviewChangedFunctions, startReading } from './pr-review/steps.js';

export interface PrTarget {
  /** Absent: GitHub. */
  forge?: ForgeName;
  owner: string;
  repo: string;
  number: number;
  installationId?: number;
  /** The installation is the tenant's configured one (see RoutedEventInput.installationBound). */
  installationBound?: boolean;
}

export interface PrReviewInput {
  pr: PrTarget;
  headSha: string;
  gate: Gate['spec'];
  githubTaskQueue: string;
  /** Link from the check run to this workflow in the Temporal Web UI. */
  detailsUrlBase?: string;
  /** Earlier results of unchanged functions, by `reviewer:hash`. */
  cache: Record<string, ReviewerResult>;
  modelTurnTimeoutSecs: number;
  /** A review of this gate wrote or read its prompt in the provider's cache within PROMPT_CACHE_WARM_MS. */
  promptCacheWarm?: boolean;
}

/**
 * How long after a model call the gate's prompt counts as cached: Anthropic keeps a prompt cache entry 5
 * minutes from its last use; a minute less leaves room for the review's own steps.
 */
export const PROMPT_CACHE_WARM_MS = 4 * 60_000;

export interface PrReviewResult {
  conclusion: string;
  findings: number;
  functions: number;
  reused: number;
  tokensUsed: number;
  /** Model tokens by kind (batched reviews). */
  usage?: Usage;
  githubCalls: number;
  /** New cache entries for later reviews of this PR. */
  cache: Record<string, ReviewerResult>;
  /**
   * What the review found, bounded, for the gate's verdict query (aofctl mcp). Absent in results
   * recorded before it existed.
   */
  verdict?: GateVerdict;
}

export async function prReviewWorkflow(input: PrReviewInput): Promise<PrReviewResult> {
  const { pr, gate } = input;
  const setState = markRun(
    'prReviewWorkflow',
    { kind: 'review', forge: forgeOf(pr), repository: `${pr.owner}/${pr.repo}`, number: pr.number },
    'running',
  );
  const forge = forgeActivities(input.githubTaskQueue);
  const { reviewBatch } = gateModelActivities(input.modelTurnTimeoutSecs);
  const step = (s: string) =>
    setCurrentDetails(`${gate.title} gate, ${pr.owner}/${pr.repo}#${pr.number} at ${input.headSha.slice(0, 7)}: ${s}`);

  // The pull request is read while the quota is reserved (a refusal cancels the reading and discards
  // what it read), and a model's calls start together when the gate's prompt is in the provider's cache.
  deprecatePatch('review-starts-its-work-at-once');
  step('check run in progress');
  const check = new GateCheck(forge, input);
  /** The result of a review that analysed nothing (quota used up, skipped by the repository), saying why. */
  const nothingReviewed = (note: string): PrReviewResult => ({
    conclusion: 'neutral',
    findings: 0,
    functions: 0,
    reused: 0,
    tokensUsed: 0,
    githubCalls: check.calls,
    cache: {},
    verdict: { ...verdictOf({ reviews: [], skipped: [] }, input.headSha, 'neutral'), note },
  });

  try {
    const reading = startReading(forge, input);

    step('checking the quota and reading the changed files');
    const quota = await reserveAnalysis(input);
    if (!quota.allowed) {
      reading.cancel();
      await check.quotaReached(quota);
      return nothingReviewed(
        `quota reached: the ${quota.tier} tier's ${quota.limit} analyses this month are used up; nothing was analysed`,
      );
    }

    step('reading and parsing the changed files');
    const parsed = await check.counted(reading.result);
    const rules = repositoryRules(parsed, pr);
    if (rules.repo?.skipped) {
      step(`skipped: ${rules.repo.skipped}`);
      const said = await check.notReviewed(
        { kind: 'skipped', detail: rules.repo.skipped, noun: changeNoun(pr) },
        rules.notes,
      );
      setState('skipped');
      return nothingReviewed(said);
    }

    step(`reviewing ${parsed.functions.length} function(s)`);
    const { outcome, fresh, usage } = await reviewChangedFunctions(input, parsed, rules, quota.tier, reviewBatch);

    step('reporting');
    const { conclusion, findings } = await check.report(outcome, rules.repo?.failOn, parsed.comment);
    step(`done: ${conclusion}, ${findings} finding(s)`);
    setState(conclusion);
    return {
      conclusion,
      findings,
      functions: outcome.reviews.length,
      reused: outcome.reused,
      tokensUsed: outcome.tokensUsed,
      ...(usage ? { usage } : {}),
      githubCalls: check.calls,
      cache: fresh,
      verdict: verdictOf(outcome, input.headSha, conclusion),
    };
  } catch (err) {
    // However the review ended, the check concludes; the real error stays in this workflow's history.
    const concluded = await check.abandon(err);
    setState(concluded && isCancellation(err) ? 'superseded' : 'failed');
    throw err;
  }
}
