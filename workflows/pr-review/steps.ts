// The steps of one pull request review that read and decide, none of which posts (./check.ts posts):
// reading the pull request, reserving the month's analysis, reviewing its changed functions. Workflow code.
import { CancellationScope } from '@temporalio/workflow';
import { changeNoun, forgeOf, forgeTargetOf } from '../../src/forges/port.js';
import type { GitHubActivities } from '../../activities/forge/index.js';
import type { ModelActivities } from '../../activities/llm/index.js';
import type { Tier } from '../../src/config/schema.js';
import { accountOf, limitOf, monthOf, tierOf } from '../../src/gate/quota.js';
import { COMMENT_MARKER, type ReviewOutcome } from '../../src/gate/report.js';
import type { AnalysedFunction, FunctionReview } from '../../src/gate/types.js';
import { identified } from '../../src/gate/finding-identity.js';
import { BUILTIN_GATE_REVIEWER } from '../../src/gate/reviewer-model.js';
import { totalTokens, type Usage } from '../../src/agents/model-types.js';
import { configNotes, repoConfigPath } from '../../src/gate/repo-rules.js';
import { quotaActivities } from '../activities.js';
import { reviewFunctions } from '../review-batches.js';
import type { PrReviewInput } from '../pr-review.js';

const { reserveQuota } = quotaActivities();

export type Analysis = Awaited<ReturnType<GitHubActivities['analysePullRequest']>>;

/**
 * Starts reading the pull request at once, next to the data (one activity reads and parses a pull request
 * of any size, and only a bounded list of functions comes back); `cancel` discards what it read.
 */
export function startReading(forge: GitHubActivities, input: PrReviewInput) {
  const { pr, gate } = input;
  const scope = new CancellationScope();
  const result = scope.run(() =>
    forge.analysePullRequest({
      ...forgeTargetOf(pr),
      pullNumber: pr.number,
      headSha: input.headSha,
      limits: { maxPages: gate.max_pages, maxFileBytes: gate.max_file_bytes },
      ...(gate.model === BUILTIN_GATE_REVIEWER ? { rules: gate.reviewers } : {}),
      commentMarker: COMMENT_MARKER,
    }),
  );
  result.catch(() => undefined);
  return { result, cancel: () => scope.cancel() };
}

/**
 * Reserves this head's analysis in the month's quota. The account and tier come from the verified
 * identity: the payload's installation id counts only when the configuration binds it to the tenant (an
 * unbound one could be made up by the sender). On GitLab the tenant is the project's namespace.
 */
export async function reserveAnalysis({ pr, gate, headSha }: PrReviewInput) {
  const billed = pr.installationBound ? pr.installationId : undefined;
  const tier: Tier = tierOf(gate.billing, billed, pr.owner, forgeOf(pr));
  const limit = limitOf(gate.billing, tier);
  const grant = await reserveQuota({
    account: accountOf(billed, pr.owner, forgeOf(pr)),
    month: monthOf(Date.now()),
    limit,
    key: `${pr.owner}/${pr.repo}#${pr.number}@${headSha}`,
  });
  return { allowed: grant.allowed, tier, limit };
}

/**
 * The repository's own configuration (.github/aof.yaml, read at the base commit by the analysis) and the
 * notes the check shows about it. Replay-safe without patched(): `repoConfig` is a new field of the analysis
 * result, absent from every result recorded before it existed, so runs replayed from those histories take
 * none of its branches.
 */
export function repositoryRules(parsed: Analysis, pr: PrReviewInput['pr']) {
  const repo = parsed.repoConfig;
  const notes = repo ? configNotes(repo, repoConfigPath(forgeOf(pr)), changeNoun(pr)) : undefined;
  return { repo, notes };
}

/**
 * Every changed function before the gate's reviewers (a function unchanged since an earlier push reuses
 * its results), each finding given its identity across pushes: what the report says, and the results to
 * keep for later pushes.
 */
export async function reviewChangedFunctions(
  input: PrReviewInput,
  parsed: Analysis,
  rules: ReturnType<typeof repositoryRules>,
  tier: Tier,
  reviewBatch: ModelActivities['reviewBatch'],
) {
  const { gate } = input;
  const { repo, notes } = rules;
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
    skipped: [...parsed.skipped],
    reused: reviews.filter((r) => r.results.every((x) => x.reused)).length,
    tokensUsed: usage ? totalTokens(usage) : Object.values(fresh).reduce((s, r) => s + r.tokens, 0),
    ...(usage ? { usage } : {}),
    tokensSaved,
    tier,
    upsell,
    upgradeUrl: gate.billing.upgrade_url,
    ...(notes ? { configNotes: notes } : {}),
  };
  return { outcome, fresh, usage: usage as Usage | undefined };
}
