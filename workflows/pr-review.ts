// One review of one head commit, step by step as the gate check's analysis flow: check run queued →
// in progress; changed files; quota; functions; four reviewers per function; check run completed with
// annotations; the PR comment. Cancelled when a newer push supersedes it.
import { changeNoun, forgeOf, forgeTargetOf, type ForgeName } from '../src/forges/port.js';
import { publicFailure } from '../src/agents/public-error.js';
import {
  CancellationScope,
  deprecatePatch,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  workflowInfo,
} from '@temporalio/workflow';
import type { ModelActivities } from '../activities/llm/index.js';
import type { QuotaActivities } from '../activities/quota/index.js';
import type { Gate } from '../src/config/schema.js';
import { accountOf, limitOf, monthOf, tierOf } from '../src/gate/quota.js';
import {
  ANNOTATIONS_PER_REQUEST,
  annotations,
  checkSummary,
  checkTitle,
  COMMENT_MARKER,
  conclusionOf,
  prComment,
  quotaComment,
  reviewFindings,
  type ReviewOutcome,
} from '../src/gate/report.js';
import type { AnalysedFunction, FunctionReview, ReviewerResult, SkippedFile } from '../src/gate/types.js';
import { STATUS_ONLY } from '../src/forges/port.js';
import { markRun } from './run-attributes.js';
import { identified } from '../src/gate/finding-identity.js';
import { forgeActivities } from './activities.js';
import { reviewFunctions } from './review-batches.js';
import { concludeAbandoned, postVerdict } from './check-verdict.js';
import { BUILTIN_GATE_REVIEWER } from '../src/gate/reviewer-model.js';
import { totalTokens, type Usage } from '../src/agents/model-types.js';
import { verdictOf, type GateVerdict } from '../src/gate/verdict.js';
import { configNotes, repoConfigPath } from '../src/gate/repo-rules.js';
import { notReviewedCheck } from '../src/gate/not-reviewed.js';

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

const { reserveQuota } = proxyActivities<QuotaActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 10 },
});

/** What users see instead of the real error: no stack, token, URL or payload (the history keeps those). */
export function sanitized(err: unknown): string {
  const type = (err as { cause?: { type?: string }; type?: string }).cause?.type ?? (err as { type?: string }).type;
  return `The analysis could not complete: ${publicFailure(type, workflowInfo().workflowId)}`;
}

export async function prReviewWorkflow(input: PrReviewInput): Promise<PrReviewResult> {
  const { pr, gate } = input;
  const setState = markRun(
    'prReviewWorkflow',
    { kind: 'review', forge: forgeOf(pr), repository: `${pr.owner}/${pr.repo}`, number: pr.number },
    'running',
  );
  const forge = forgeActivities(input.githubTaskQueue);
  const modelRetry = {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 6,
  };
  // A batch is one call, the batch once more when its answer is unusable, and up to 5 functions alone.
  const { reviewBatch } = proxyActivities<ModelActivities>({
    startToCloseTimeout: `${input.modelTurnTimeoutSecs * 7 + 10} seconds`,
    retry: modelRetry,
  });
  const target = forgeTargetOf(pr);
  let calls = 0;
  const call = <T>(p: Promise<T>) => {
    calls++;
    return p;
  };
  const step = (s: string) =>
    setCurrentDetails(`${gate.title} gate, ${pr.owner}/${pr.repo}#${pr.number} at ${input.headSha.slice(0, 7)}: ${s}`);
  const name = `${gate.title} Gate Check`;

  // The pull request is read while the quota is reserved (a refusal cancels the reading and discards
  // what it read), and a model's calls start together when the gate's prompt is in the provider's cache.
  deprecatePatch('review-starts-its-work-at-once');
  step('check run in progress');
  const detailsUrl = input.detailsUrlBase
    ? `${input.detailsUrlBase}/${encodeURIComponent(workflowInfo().workflowId)}`
    : undefined;
  // The run, not only the workflow id: a gate that ended and started again numbers its reviews from 1,
  // so a retried create must not take an earlier life's check run for its own.
  const created = call(
    forge.createCheckRun({
      ...target,
      name,
      headSha: input.headSha,
      status: 'in_progress',
      detailsUrl,
      externalId: `${workflowInfo().workflowId}@${workflowInfo().runId}`,
      orCommitStatus: true,
    }),
  );
  // Settled before any later step uses it, and never left rejected unobserved.
  created.catch(() => undefined);
  // A check shown as a commit status is updated by its commit and name.
  // `number`: where a forge without check runs (GitLab) puts the line findings, as discussions.
  // Replay-safe without patched(): `report` was refused by the strict GateSpec before it existed, so no run
  // started earlier has it, and what it adds (a review step, a flag) is never part of an earlier history.
  const inline = gate.report?.includes('review') === true;
  const checkTarget = {
    ...target,
    headSha: input.headSha,
    name,
    detailsUrl,
    number: pr.number,
    // The review's threads carry the findings: where annotations are threads too (GitLab), none twice.
    ...(inline ? { threadsByReview: true } : {}),
  };
  const complete = async (
    conclusion: 'success' | 'failure' | 'neutral' | 'cancelled',
    title: string,
    summary: string,
    annotationList: Record<string, unknown>[] = [],
  ) =>
    call(
      forge.updateCheckRun({
        ...checkTarget,
        checkRunId: (await created).id,
        status: 'completed',
        conclusion,
        output: { title, summary, annotations: annotationList },
        // The run holds none yet: a retry of an update GitHub applied does not annotate twice.
        annotationsBefore: 0,
      }),
    );

  /** The result of a review that analysed nothing (quota used up, skipped by the repository), saying why. */
  const nothingReviewed = (note: string): PrReviewResult => ({
    conclusion: 'neutral',
    findings: 0,
    functions: 0,
    reused: 0,
    tokensUsed: 0,
    githubCalls: calls,
    cache: {},
    verdict: { ...verdictOf({ reviews: [], skipped: [] }, input.headSha, 'neutral'), note },
  });

  try {
    // A pull request of any size: one activity reads and parses it next to the data, and only a bounded
    // list of functions comes back.
    const skipped: SkippedFile[] = [];

    const analyse = () =>
      forge.analysePullRequest({
        ...target,
        pullNumber: pr.number,
        headSha: input.headSha,
        limits: { maxPages: gate.max_pages, maxFileBytes: gate.max_file_bytes },
        ...(gate.model === BUILTIN_GATE_REVIEWER ? { rules: gate.reviewers } : {}),
        commentMarker: COMMENT_MARKER,
      });
    const reading = new CancellationScope();
    const early = reading.run(analyse);
    early.catch(() => undefined);

    step('checking the quota and reading the changed files');
    // The account and tier come from the verified identity: the payload's installation id counts only
    // when the configuration binds it to the tenant (an unbound one could be made up by the sender).
    // On GitLab the tenant is the project's namespace (no installations there).
    const billed = pr.installationBound ? pr.installationId : undefined;
    const tier = tierOf(gate.billing, billed, pr.owner, forgeOf(pr));
    const limit = limitOf(gate.billing, tier);
    const grant = await reserveQuota({
      account: accountOf(billed, pr.owner, forgeOf(pr)),
      month: monthOf(Date.now()),
      limit,
      key: `${pr.owner}/${pr.repo}#${pr.number}@${input.headSha}`,
    });
    if (!grant.allowed) {
      reading.cancel();
      await call(
        forge.upsertMarkedComment({
          ...target,
          issueNumber: pr.number,
          marker: COMMENT_MARKER,
          body: quotaComment(gate.title, tier, limit, gate.billing.upgrade_url),
        }),
      );
      const why = notReviewedCheck(name, { kind: 'quota', tier, limit, upgradeUrl: gate.billing.upgrade_url });
      await complete(why.conclusion, why.title, why.summary);
      return nothingReviewed(
        `quota reached: the ${tier} tier's ${limit} analyses this month are used up; nothing was analysed`,
      );
    }

    step('reading and parsing the changed files');
    const parsed = await early;
    /** The gate comment's id as the analysis found it, so writing it needs no lookup. */
    const known = parsed.comment;
    calls += parsed.requests;
    skipped.push(...parsed.skipped);

    // The repository's own configuration (.github/aof.yaml, read at the base commit by the analysis). Replay-
    // safe without patched(): `repoConfig` is a new field of the analysis result, absent from every result
    // recorded before it existed, so runs replayed from those histories take none of its branches.
    const repo = parsed.repoConfig;
    const notes = repo ? configNotes(repo, repoConfigPath(forgeOf(pr)), changeNoun(pr)) : undefined;
    if (repo?.skipped) {
      step(`skipped: ${repo.skipped}`);
      const why = notReviewedCheck(name, { kind: 'skipped', detail: repo.skipped, noun: changeNoun(pr) });
      await complete(why.conclusion, why.title, [why.summary, '', ...notes!].join('\n'));
      setState('skipped');
      return nothingReviewed(why.summary);
    }

    step(`reviewing ${parsed.functions.length} function(s)`);
    const { results, fresh, tokensSaved, usage } = await reviewFunctions({
      fns: parsed.functions,
      reviewers: gate.reviewers,
      // `review: full`: every function again, nothing reused from earlier pushes.
      cache: repo?.review === 'full' ? {} : input.cache,
      ...(repo?.instructions ? { guidance: repo.instructions } : {}),
      rules: parsed.rules,
      model: { model: gate.model, offlineModel: gate.offline_model },
      maxConcurrency: gate.max_concurrency,
      promptCached: input.promptCacheWarm === true,
      reviewBatch,
    });
    const reviews: FunctionReview[] = parsed.functions.map((fn: AnalysedFunction, i) => {
      const { code: _code, ...meta } = fn;
      // Each finding's identity across pushes (its function, category and code): pure, no command.
      return { fn: meta, results: identified(fn, results[i]!) };
    });
    const upsell =
      gate.billing.upsell && gate.billing.upsell.tiers.includes(tier)
        ? { title: gate.billing.upsell.title, text: gate.billing.upsell.text }
        : undefined;
    const outcome: ReviewOutcome = {
      title: gate.title,
      reviews,
      skipped,
      reused: reviews.filter((r) => r.results.every((x) => x.reused)).length,
      tokensUsed: usage ? totalTokens(usage) : Object.values(fresh).reduce((s, r) => s + r.tokens, 0),
      ...(usage ? { usage } : {}),
      tokensSaved,
      tier,
      upsell,
      upgradeUrl: gate.billing.upgrade_url,
      ...(notes ? { configNotes: notes } : {}),
    };

    step('reporting');
    if (inline) {
      const threads = await call(
        forge.postReviewThreads({
          ...target,
          pullNumber: pr.number,
          headSha: input.headSha,
          body: `${checkTitle(outcome)}`,
          findings: reviewFindings(outcome),
          analysedPaths: [...new Set(reviews.map((r) => r.fn.path))],
        }),
      );
      if (threads) outcome.threads = threads;
    }
    const conclusion = conclusionOf(outcome, repo?.failOn);
    const found = annotations(outcome);
    // `report` without `annotations`: the check keeps its verdict and summary, without line annotations.
    const all = gate.report && !gate.report.includes('annotations') ? [] : found;
    const title = checkTitle(outcome);
    const summary = checkSummary(outcome);
    // GitHub takes 50 annotations a request; later updates append.
    const verdict = () =>
      postVerdict(
        all,
        (first) => complete(conclusion, title, summary, first),
        async (more, annotationsBefore) =>
          call(
            forge.updateCheckRun({
              ...checkTarget,
              checkRunId: (await created).id,
              output: { title, summary, annotations: more },
              annotationsBefore,
            }),
          ),
      );
    const comment = async () => {
      const check = await created;
      // Said once, in the comment: with a personal token the check is a commit status, without annotations.
      const shown = check.id === STATUS_ONLY ? { ...outcome, statusOnly: name } : outcome;
      return call(
        forge.upsertMarkedComment({
          ...target,
          issueNumber: pr.number,
          marker: COMMENT_MARKER,
          body: prComment(shown, conclusion, check.url),
          ...(known !== undefined ? { known } : {}),
        }),
      );
    };
    if (all.length <= ANNOTATIONS_PER_REQUEST) {
      // One request for the verdict: the comment goes with it. With more, the comment comes last, so
      // whoever follows its link finds every annotation.
      await Promise.all([verdict(), comment()]);
    } else {
      await verdict();
      await comment();
    }
    step(`done: ${conclusion}, ${found.length} finding(s)`);
    setState(conclusion);
    return {
      conclusion,
      findings: found.length,
      functions: reviews.length,
      reused: outcome.reused,
      tokensUsed: outcome.tokensUsed,
      ...(usage ? { usage } : {}),
      githubCalls: calls,
      cache: fresh,
      verdict: verdictOf(outcome, input.headSha, conclusion),
    };
  } catch (err) {
    // Conclude the check run however the review ended; the real error stays in this workflow's history.
    const concluded = await concludeAbandoned(created, err, (cancelled) =>
      cancelled
        ? complete(
            'cancelled',
            `${name} — superseded`,
            'A newer push superseded this commit; its review replaces this one.',
          )
        : complete('failure', `${name} — error`, sanitized(err)),
    );
    setState(concluded && isCancellation(err) ? 'superseded' : 'failed');
    throw err;
  }
}
