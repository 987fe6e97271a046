// The gate check of one GitHub merge queue group, on the group's head commit: a merge queue waits for
// every required check on that commit, and a group has no pull request to review. Its changed functions
// come from comparing the group's base and head; a function whose code (content hash) the gate already
// reviewed in one of the repository's pull requests takes that pull request's verdict (asked of its
// gate, priorResults), and only the others are reviewed. The check concludes like a pull request's, with
// no comment (there is no pull request to write on). `destroyed` (the group merged, was invalidated or
// dequeued) cancels the review, and the check concludes as cancelled.
//
// A new workflow type: no run started before it can replay this code, so it needs no patch. The ingress
// starts it only for a `merge_group` delivery, which routing never sent to a gate before.
import {
  CancellationScope,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { forgeTargetOf, fullNameOf, type ForgeTarget, type MergeGroup } from '../src/forges/port.js';
import type { Gate } from '../src/config/schema.js';
import type { VerdictActivities } from '../activities/verdicts/index.js';
import { accountOf, limitOf, monthOf, tierOf } from '../src/gate/quota.js';
import { annotations, checkSummary, checkTitle, conclusionOf, type ReviewOutcome } from '../src/gate/report.js';
import type { FunctionReview } from '../src/gate/types.js';
import { BUILTIN_GATE_REVIEWER } from '../src/gate/reviewer-model.js';
import { totalTokens } from '../src/agents/model-types.js';
import { forgeActivities, gateModelActivities, quotaActivities } from './activities.js';
import { mergeGroupDestroyedSignal } from './definitions.js';
import { concludeAbandoned, postVerdict, sanitized } from './check-verdict.js';
import { reviewFunctions } from './review-batches.js';
import { markRun } from './run-attributes.js';

export interface MergeGroupReviewInput {
  repo: ForgeTarget & {
    /** The installation is the tenant's configured one (see RoutedEventInput.installationBound). */
    installationBound?: boolean;
  };
  group: Omit<MergeGroup, 'action' | 'reason'>;
  gate: Gate['spec'];
  githubTaskQueue: string;
  detailsUrlBase?: string;
  modelTurnTimeoutSecs: number;
}

export interface MergeGroupReviewResult {
  conclusion: string;
  functions: number;
  /** Functions whose every reviewer's result came from a pull request's review. */
  reused: number;
  /** Reviewer results asked of the model or rules now (not reused). */
  reviewed: number;
  findings: number;
  gatesAsked: number;
}

/** The pull request a group's ref names last: `refs/heads/gh-readonly-queue/<base>/pr-<n>-<sha>`. */
export function queuedPullOf(headRef: string): number | undefined {
  const m = /\/pr-(\d{1,9})-[0-9a-f]{40}$/.exec(headRef);
  return m ? Number(m[1]) : undefined;
}

const { reserveQuota } = quotaActivities();

const { priorResults } = proxyActivities<VerdictActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 5 },
});

export async function mergeGroupReviewWorkflow(input: MergeGroupReviewInput): Promise<MergeGroupReviewResult> {
  const { gate, group } = input;
  const target = forgeTargetOf(input.repo);
  const repository = fullNameOf(target);
  const setState = markRun('mergeGroupReviewWorkflow', { kind: 'merge-group', forge: 'github', repository }, 'running');
  const forge = forgeActivities(input.githubTaskQueue);
  const { reviewBatch } = gateModelActivities(input.modelTurnTimeoutSecs);
  const step = (s: string) =>
    setCurrentDetails(`${gate.title} gate, merge group of ${repository} at ${group.headSha.slice(0, 7)}: ${s}`);
  const name = `${gate.title} Gate Check`;

  let destroyed: string | undefined;
  const work = new CancellationScope();
  setHandler(mergeGroupDestroyedSignal, ({ reason }) => {
    destroyed = reason ?? 'removed from the queue';
    work.cancel();
  });

  const detailsUrl = input.detailsUrlBase
    ? `${input.detailsUrlBase}/${encodeURIComponent(workflowInfo().workflowId)}`
    : undefined;
  step('check run in progress');
  const created = forge.createCheckRun({
    ...target,
    name,
    headSha: group.headSha,
    status: 'in_progress',
    detailsUrl,
    externalId: `${workflowInfo().workflowId}@${workflowInfo().runId}`,
    orCommitStatus: true,
  });
  created.catch(() => undefined);
  const checkTarget = { ...target, headSha: group.headSha, name, detailsUrl };
  const update = async (
    output: { title: string; summary: string; annotations: Record<string, unknown>[] },
    annotationsBefore: number,
    conclusion?: 'success' | 'failure' | 'neutral' | 'cancelled',
  ) =>
    forge.updateCheckRun({
      ...checkTarget,
      checkRunId: (await created).id,
      ...(conclusion ? { status: 'completed' as const, conclusion } : {}),
      output,
      annotationsBefore,
    });

  try {
    const result = await work.run(async () => {
      step('reading and parsing the changed files');
      const parsed = await forge.analyseComparison({
        ...target,
        baseSha: group.baseSha,
        headSha: group.headSha,
        limits: { maxPages: gate.max_pages, maxFileBytes: gate.max_file_bytes },
        ...(gate.model === BUILTIN_GATE_REVIEWER ? { rules: gate.reviewers } : {}),
      });

      step(`looking up earlier verdicts of ${parsed.functions.length} function(s)`);
      const keys = parsed.functions.flatMap((fn) => gate.reviewers.map((r) => `${r}:${fn.hash}`));
      const queued = queuedPullOf(group.headRef);
      const prior = keys.length
        ? await priorResults({
            repository,
            numbers: queued === undefined ? [] : [queued],
            title: gate.title,
            model: gate.model,
            keys,
          })
        : { results: {}, gatesAsked: 0 };

      // The quota counts an analysis that reviews something: a group of reviewed pull requests costs none.
      const billed = input.repo.installationBound ? input.repo.installationId : undefined;
      const tier = tierOf(gate.billing, billed, target.owner, 'github');
      if (keys.some((k) => !prior.results[k])) {
        const limit = limitOf(gate.billing, tier);
        const grant = await reserveQuota({
          account: accountOf(billed, target.owner, 'github'),
          month: monthOf(Date.now()),
          limit,
          key: `${repository}@merge-group:${group.headSha}`,
        });
        if (!grant.allowed) {
          await update(
            {
              title: `${name} — quota reached`,
              summary: `The ${tier} tier's ${limit} analyses this month are used up; the merge group was not analysed. Upgrade: ${gate.billing.upgrade_url}`,
              annotations: [],
            },
            0,
            'neutral',
          );
          return {
            conclusion: 'neutral',
            functions: 0,
            reused: 0,
            reviewed: 0,
            findings: 0,
            gatesAsked: prior.gatesAsked,
          };
        }
      }

      step(`reviewing what the pull requests' reviews did not cover`);
      const { results, fresh, tokensSaved, usage } = await reviewFunctions({
        fns: parsed.functions,
        reviewers: gate.reviewers,
        cache: prior.results,
        rules: parsed.rules,
        model: { model: gate.model, offlineModel: gate.offline_model },
        maxConcurrency: gate.max_concurrency,
        reviewBatch,
      });
      const reviews: FunctionReview[] = parsed.functions.map(({ code: _code, ...fn }, i) => ({
        fn,
        results: results[i]!,
      }));
      const outcome: ReviewOutcome = {
        title: gate.title,
        reviews,
        skipped: parsed.skipped,
        reused: reviews.filter((r) => r.results.every((x) => x.reused)).length,
        tokensUsed: totalTokens(usage),
        usage,
        tokensSaved,
        tier,
        upgradeUrl: gate.billing.upgrade_url,
      };
      const conclusion = conclusionOf(outcome);
      const all = annotations(outcome);
      const title = checkTitle(outcome);
      const summary = `Merge group ${group.headSha.slice(0, 7)} (base ${group.baseSha.slice(0, 7)}).\n\n${checkSummary(outcome)}`;
      step('reporting');
      await postVerdict(
        all,
        (first) => update({ title, summary, annotations: first }, 0, conclusion),
        (more, before) => update({ title, summary, annotations: more }, before),
      );
      return {
        conclusion,
        functions: reviews.length,
        reused: outcome.reused,
        reviewed: Object.keys(fresh).length,
        findings: all.length,
        gatesAsked: prior.gatesAsked,
      };
    });
    step(`done: ${result.conclusion}`);
    setState(result.conclusion);
    return result;
  } catch (err) {
    // However the review ended, the check concludes: a merge queue never waits on it for ever.
    const concluded = await concludeAbandoned(created, err, (cancelled) =>
      cancelled
        ? update(
            {
              title: `${name} — merge group ${destroyed ? `destroyed (${destroyed})` : 'cancelled'}`,
              summary: `The merge queue removed this group (${destroyed ?? 'cancelled'}) before its review finished; nothing more is reviewed for it.`,
              annotations: [],
            },
            0,
            'cancelled',
          )
        : update({ title: `${name} — error`, summary: sanitized(err), annotations: [] }, 0, 'failure'),
    );
    setState(concluded && isCancellation(err) ? 'destroyed' : 'failed');
    // A group the queue removed is a review that ended as asked, not a failure.
    if (destroyed && isCancellation(err))
      return { conclusion: 'cancelled', functions: 0, reused: 0, reviewed: 0, findings: 0, gatesAsked: 0 };
    throw err;
  }
}
