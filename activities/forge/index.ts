// The forge activities: each is one forge API verb, retried durably by Temporal at the forge's own pace.
// They run on the forge task queue (`github_task_queue`), whose optional rate ceiling applies to all
// workers together. What each verb does on each forge is its adapter's (src/forges/<forge>/verbs.ts).
import type { GitHubClientFor } from '../../src/forges/github/client.js';
import { createRunTool, type ToolCall } from './run-tool.js';
import type { CheckConclusion, CheckStatus } from '../../src/forges/port.js';
import { analyseChange, diffWithin, readsAtHead, type AnalysisInput, type ComparisonInput } from './pull-analysis.js';
import { createGitHubVerbs } from '../../src/forges/github/verbs.js';
import { readRepoConfig, REPO_CONFIG_READ_BYTES } from './repo-config.js';
import { ApplicationFailure } from '@temporalio/common';
import {
  forgeOf,
  forgeTargetOf,
  type ChangeReader,
  type ChangeTarget,
  type ChangedFile,
  type PostedComment,
  type ReviewFinding,
  type ReviewThreads,
  type ForgeName,
  type ForgeTarget,
  type ForgeVerbs,
  type ProtectionAnswer,
  type ProtectionAnswered,
} from '../../src/forges/port.js';

/** A repository on any forge (the port's ForgeTarget). */
export type RepoTarget = ForgeTarget;

export interface IssueRef extends RepoTarget {
  issueNumber: number;
}

export type { PostedComment } from '../../src/forges/port.js';
/** A changed file as the forges list them (the port's ChangedFile). */
export type PullFile = ChangedFile;

export interface CheckRunOutput {
  title: string;
  summary: string;
  text?: string;
  annotations?: Record<string, unknown>[];
}

/** The activities' inputs name a change by GitHub's words (running workflows schedule them so). */
type Change = RepoTarget & { pullNumber?: number; issueNumber?: number };

/**
 * The forge activities, for every forge: each asks the target's forge adapter (GitHub's unless the input
 * names another `forge`) through the port's verbs. Their types and inputs keep GitHub's names: running
 * workflows schedule them so.
 */
export function createGitHubActivities(clientFor: GitHubClientFor, others: OtherForges = {}) {
  const verbsOf = forgeVerbsOf(clientFor, others);
  const change = (i: Change): ChangeTarget => ({ ...forgeTargetOf(i), number: (i.pullNumber ?? i.issueNumber)! });
  // GitHub's tools on its API; another forge's through its verbs.
  const runTool = createRunTool(clientFor, (t) => (forgeOf(t) === 'github' ? undefined : verbsOf(t)));
  return {
    runTool: (call: ToolCall) => runTool(call),

    /** A comment on a commit (a deployment without a pull request asks there), once. */
    postCommitComment(i: RepoTarget & { sha: string; body: string }): Promise<PostedComment> {
      const comment = verbsOf(i).commentOnCommit;
      if (!comment) throw ApplicationFailure.nonRetryable(`${forgeOf(i)} cannot comment on a commit`, 'ForgeLacksVerb');
      return comment(forgeTargetOf(i), i.sha, i.body);
    },

    /** Answers a deployment waiting on the App's custom protection rule (GitHub Actions), once. */
    answerProtectionRule(i: RepoTarget & ProtectionAnswer): Promise<ProtectionAnswered> {
      const answer = verbsOf(i).answerProtectionRule;
      if (!answer)
        throw ApplicationFailure.nonRetryable(`${forgeOf(i)} has no deployment protection rules`, 'ForgeLacksVerb');
      const { runId, environment, state, comment } = i;
      return answer(forgeTargetOf(i), { runId, environment, state, comment });
    },

    /** May `login` approve, by the forge's own permission APIs (login, team or group, role). */
    authorizeApprover: (i: RepoTarget & { login: string; approvers: string[]; minPermission?: string }) =>
      verbsOf(i).mayApprove(forgeTargetOf(i), i),

    /** The change's functions, parsed where the code is; only a bounded result crosses into history. */
    async analysePullRequest(i: AnalysisInput) {
      const v = verbsOf(i);
      const t = change(i);
      const reader: ChangeReader = v.changeReader?.(t, i.headSha, i.commentMarker) ?? {
        changedFiles: (maxPages) => v.changedFiles(t, maxPages),
        filesAt: (files, max) =>
          v.filesAt(
            t,
            i.headSha,
            files.map((f) => f.path),
            max,
          ),
      };
      return analyseChange(i, reader, {
        read: () =>
          readRepoConfig(v, t, reader.configFiles && ((path, max) => reader.configFiles!(path, max, readsAtHead))),
        atHead: async (path) => {
          const read = await v.filesAt(t, i.headSha, [path], REPO_CONFIG_READ_BYTES);
          return { text: read.contents.get(path) ?? null, requests: read.requests };
        },
      });
    },

    /** The functions changed between two commits (a merge group's base and head), parsed where the code is. */
    async analyseComparison(i: ComparisonInput) {
      const reader = verbsOf(i).comparisonReader?.(forgeTargetOf(i), i.baseSha, i.headSha);
      if (!reader)
        throw ApplicationFailure.nonRetryable(
          `${forgeOf(i)} cannot compare two commits (it has no merge queue)`,
          'ForgeLacksVerb',
        );
      return analyseChange(i, reader);
    },

    /** The changed files an agent reads: patches within a byte budget, cut with a marker where it ends. */
    async pullDiff(i: RepoTarget & { pullNumber: number; maxPages: number; budgetBytes: number }) {
      return diffWithin(await verbsOf(i).changedFiles(change(i), i.maxPages), i);
    },

    /** Changed files of a pull request with their patches, up to `maxPages` pages of 100. */
    async listPullFiles(
      i: RepoTarget & { pullNumber: number; maxPages: number },
    ): Promise<{ files: PullFile[]; truncated: boolean }> {
      const { files, truncated } = await verbsOf(i).changedFiles(change(i), i.maxPages);
      return { files, truncated };
    },

    postComment: (i: IssueRef & { body: string }): Promise<PostedComment> => verbsOf(i).postComment(change(i), i.body),

    /** Versions of files at `ref`; a file over `maxBytes` or not found comes back as null. */
    async getFileContents(
      i: RepoTarget & { ref: string; paths: string[]; maxBytes: number },
    ): Promise<Record<string, string | null>> {
      return Object.fromEntries((await verbsOf(i).filesAt(forgeTargetOf(i), i.ref, i.paths, i.maxBytes)).contents);
    },

    /** Whether a check of this name already completed (not cancelled) on this commit. */
    gateCheckDone: (i: RepoTarget & { headSha: string; name: string }): Promise<boolean> =>
      verbsOf(i).checkDone(forgeTargetOf(i), i.headSha, i.name),

    getPullHead: (i: RepoTarget & { pullNumber: number }): Promise<{ sha: string; state: string }> =>
      verbsOf(i).head(change(i)),

    createCheckRun: (
      i: RepoTarget & {
        name: string;
        headSha: string;
        status: CheckStatus;
        detailsUrl?: string;
        externalId?: string;
        /** When the token cannot create check runs, show the check as a commit status (returns STATUS_ONLY). */
        orCommitStatus?: boolean;
        /** A check finished at once (status `completed`): its conclusion and what it says. */
        conclusion?: CheckConclusion;
        output?: CheckRunOutput;
      },
    ): Promise<{ id: number; url: string }> => verbsOf(i).createCheck(forgeTargetOf(i), i),

    updateCheckRun: (
      i: RepoTarget & {
        checkRunId: number;
        status?: CheckStatus;
        conclusion?: CheckConclusion;
        output?: CheckRunOutput;
        /** The check's commit and name (a commit status needs them: GitLab's, or GitHub's STATUS_ONLY). */
        headSha?: string;
        name?: string;
        detailsUrl?: string;
        /** The merge request whose discussions carry the findings (GitLab). */
        number?: number;
        /**
         * How many annotations the run holds before this update's: GitHub appends the annotations of every
         * update, so a retry reads the run's count and does not send a batch GitHub already applied.
         */
        annotationsBefore?: number;
        /** The findings are the review's threads (report: review): a forge whose annotations are threads posts none. */
        threadsByReview?: boolean;
      },
    ): Promise<void> => verbsOf(i).updateCheck(forgeTargetOf(i), { ...i, checkId: i.checkRunId }),

    /**
     * Creates the comment carrying `marker`, or updates the one already there: one comment per PR. Only
     * the bot's own comments count: anyone can paste the marker into a comment of theirs.
     */
    upsertMarkedComment: (
      i: IssueRef & {
        marker: string;
        body: string;
        /** The comment's id as the analysis found it (null: none yet); trusted on a first attempt only. */
        known?: number | null;
      },
    ): Promise<PostedComment & { created: boolean }> =>
      verbsOf(i).upsertMarkedComment(change(i), i.marker, i.body, i.known),

    /**
     * The gate's findings as line threads across pushes (report: review): new ones posted together, fixed
     * ones resolved, dismissed ones left alone. Only counts come back: the threads stay on the forge.
     */
    async postReviewThreads(
      i: RepoTarget & {
        pullNumber: number;
        headSha: string;
        body: string;
        findings: ReviewFinding[];
        analysedPaths: string[];
      },
    ): Promise<ReviewThreads | null> {
      // A forge without review threads (Bitbucket): the findings stay in the check's annotations.
      const v = verbsOf(i);
      return v.reviewThreads ? v.reviewThreads(change(i), i) : null;
    },

    updateComment: (i: RepoTarget & { commentId: number; body: string; number?: number }): Promise<PostedComment> =>
      verbsOf(i).updateComment({ ...forgeTargetOf(i), number: i.number } as ChangeTarget, i.commentId, i.body),
  };
}

/** The adapter of a target's forge (GitHub's unless it names another), as this worker serves them. */
export function forgeVerbsOf(clientFor: GitHubClientFor, others: OtherForges = {}) {
  const forges: Partial<Record<ForgeName, ForgeVerbs>> = { github: createGitHubVerbs(clientFor), ...others };
  return (t: { forge?: ForgeName }): ForgeVerbs => {
    const forge = forgeOf(t);
    const verbs = forges[forge];
    if (!verbs)
      throw ApplicationFailure.nonRetryable(`${forge} is not configured on this worker`, 'ForgeNotConfigured');
    return verbs;
  };
}

/** The adapters of the forges besides GitHub that this worker serves. */
export type OtherForges = Partial<Record<Exclude<ForgeName, 'github'>, ForgeVerbs>>;

export type GitHubActivities = ReturnType<typeof createGitHubActivities>;
