// When and how one review of a pull request posts, in one place: its check run (in progress at once;
// completed with the verdict, or with why nothing was reviewed; cancelled or failed however else the review
// ended), its one comment, and its line threads (report: review). Every forge request of the review goes
// through here and is counted. Workflow code: the order of the requests is the order of its commands, so
// recorded histories replay only while it stays as it is.
import { workflowInfo } from '@temporalio/workflow';
import { forgeTargetOf, STATUS_ONLY } from '../../src/forges/port.js';
import type { GitHubActivities } from '../../activities/forge/index.js';
import type { Tier } from '../../src/config/schema.js';
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
} from '../../src/gate/report.js';
import type { FailOn } from '../../src/gate/repo-rules.js';
import { notReviewedCheck, type NotReviewed } from '../../src/gate/not-reviewed.js';
import { concludeAbandoned, postVerdict, sanitized } from '../check-verdict.js';
import type { PrReviewInput } from '../pr-review.js';

type Conclusion = 'success' | 'failure' | 'neutral' | 'cancelled';
type Annotations = Record<string, unknown>[];

/** The check run, comment and threads of one review of `input.headSha`. */
export class GateCheck {
  /** Forge requests of this review so far (the analysis's own are added with `counted`). */
  calls = 0;
  readonly name: string;
  /** The check run created in progress: settled before any later step uses it. */
  private readonly created: Promise<{ id: number; url: string }>;
  /** The line threads carry the findings (report: review). */
  private readonly inline: boolean;
  private readonly checkTarget;
  private readonly target;

  /** Creates the check run, in progress, at once: the first thing a pull request's author sees. */
  constructor(
    private readonly forge: GitHubActivities,
    private readonly input: PrReviewInput,
  ) {
    const { pr, gate } = input;
    this.name = `${gate.title} Gate Check`;
    this.target = forgeTargetOf(pr);
    const detailsUrl = input.detailsUrlBase
      ? `${input.detailsUrlBase}/${encodeURIComponent(workflowInfo().workflowId)}`
      : undefined;
    // The run, not only the workflow id: a gate that ended and started again numbers its reviews from 1,
    // so a retried create must not take an earlier life's check run for its own.
    this.created = this.call(
      forge.createCheckRun({
        ...this.target,
        name: this.name,
        headSha: input.headSha,
        status: 'in_progress',
        detailsUrl,
        externalId: `${workflowInfo().workflowId}@${workflowInfo().runId}`,
        orCommitStatus: true,
      }),
    );
    // Settled before any later step uses it, and never left rejected unobserved.
    this.created.catch(() => undefined);
    // Replay-safe without patched(): `report` was refused by the strict GateSpec before it existed, so no run
    // started earlier has it, and what it adds (a review step, a flag) is never part of an earlier history.
    this.inline = gate.report?.includes('review') === true;
    // A check shown as a commit status is updated by its commit and name.
    // `number`: where a forge without check runs (GitLab) puts the line findings, as discussions.
    this.checkTarget = {
      ...this.target,
      headSha: input.headSha,
      name: this.name,
      detailsUrl,
      number: pr.number,
      // The review's threads carry the findings: where annotations are threads too (GitLab), none twice.
      ...(this.inline ? { threadsByReview: true } : {}),
    };
  }

  /** The analysis's result, its forge requests counted with the review's. */
  async counted<T extends { requests: number }>(reading: Promise<T>): Promise<T> {
    const read = await reading;
    this.calls += read.requests;
    return read;
  }

  /** Quota used up: the comment says so and how to upgrade, then the check (neutral). */
  async quotaReached(quota: { tier: Tier; limit: number }): Promise<void> {
    const { gate, pr } = this.input;
    await this.call(
      this.forge.upsertMarkedComment({
        ...this.target,
        issueNumber: pr.number,
        marker: COMMENT_MARKER,
        body: quotaComment(gate.title, quota.tier, quota.limit, gate.billing.upgrade_url),
      }),
    );
    await this.notReviewed({ kind: 'quota', ...quota, upgradeUrl: gate.billing.upgrade_url });
  }

  /** A head not reviewed: the check completes, neutral, saying why (and `notes` below it). What it said. */
  async notReviewed(why: NotReviewed, notes?: string[]): Promise<string> {
    const said = notReviewedCheck(this.name, why);
    await this.complete(said.conclusion, said.title, notes ? [said.summary, '', ...notes].join('\n') : said.summary);
    return said.summary;
  }

  /**
   * The review's report: its line threads first (report: review), whose fate the summary tells; then the
   * verdict with its annotations and the one comment. `known`: the comment's id as the analysis found it.
   */
  async report(
    outcome: ReviewOutcome,
    failOn: FailOn | undefined,
    known: number | null | undefined,
  ): Promise<{ conclusion: Conclusion; findings: number }> {
    const { gate, pr, headSha } = this.input;
    if (this.inline) {
      const threads = await this.call(
        this.forge.postReviewThreads({
          ...this.target,
          pullNumber: pr.number,
          headSha,
          body: `${checkTitle(outcome)}`,
          findings: reviewFindings(outcome),
          analysedPaths: [...new Set(outcome.reviews.map((r) => r.fn.path))],
        }),
      );
      if (threads) outcome.threads = threads;
    }
    const conclusion = conclusionOf(outcome, failOn);
    const found = annotations(outcome);
    // `report` without `annotations`: the check keeps its verdict and summary, without line annotations.
    const all = gate.report && !gate.report.includes('annotations') ? [] : found;
    const title = checkTitle(outcome);
    const summary = checkSummary(outcome);
    // GitHub takes 50 annotations a request; later updates append.
    const verdict = () =>
      postVerdict(
        all,
        (first) => this.complete(conclusion, title, summary, first),
        async (more, annotationsBefore) =>
          this.call(
            this.forge.updateCheckRun({
              ...this.checkTarget,
              checkRunId: (await this.created).id,
              output: { title, summary, annotations: more },
              annotationsBefore,
            }),
          ),
      );
    const comment = async () => {
      const check = await this.created;
      // Said once, in the comment: with a personal token the check is a commit status, without annotations.
      const shown = check.id === STATUS_ONLY ? { ...outcome, statusOnly: this.name } : outcome;
      return this.call(
        this.forge.upsertMarkedComment({
          ...this.target,
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
    return { conclusion, findings: found.length };
  }

  /**
   * After the review failed or a newer push cancelled it: the check concludes (cancelled, or failed with a
   * sanitized error; the real one stays in the history). Whether there was a check run to conclude.
   */
  abandon(err: unknown): Promise<boolean> {
    return concludeAbandoned(this.created, err, (cancelled) =>
      cancelled
        ? this.complete(
            'cancelled',
            `${this.name} — superseded`,
            'A newer push superseded this commit; its review replaces this one.',
          )
        : this.complete('failure', `${this.name} — error`, sanitized(err)),
    );
  }

  private call<T>(p: Promise<T>): Promise<T> {
    this.calls++;
    return p;
  }

  private async complete(conclusion: Conclusion, title: string, summary: string, annotationList: Annotations = []) {
    return this.call(
      this.forge.updateCheckRun({
        ...this.checkTarget,
        checkRunId: (await this.created).id,
        status: 'completed',
        conclusion,
        output: { title, summary, annotations: annotationList },
        // The run holds none yet: a retry of an update GitHub applied does not annotate twice.
        annotationsBefore: 0,
      }),
    );
  }
}
