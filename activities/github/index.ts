// GitHub activities: each is one API call, retried durably by Temporal with GitHub's own pacing.
// They run on the GitHub task queue, whose rate limit applies to all workers together.
import type { GitHubClientFor } from '../../src/github/client.js';
import { githubCall } from '../../src/github/failures.js';
import { createRunTool } from './run-tool.js';
import { createAuthorizeApprover } from './approvals.js';
import { createCheckRun, createComment, currentOperation } from './idempotent-writes.js';
import { setCommitStatus } from './commit-status.js';
import {
  needsApp,
  stateOf,
  STATUS_ONLY,
  type CheckConclusion,
  type CheckStatus,
} from '../../src/github/check-fallback.js';
import { analyseChange, changedFiles, createPullAnalysis, diffWithin } from './pull-analysis.js';
import { headVersion } from './blob-contents.js';
import { authoredByBot } from './marked-comment.js';
import { fit, fitCheckOutput, LIMITS } from '../../src/github/limits.js';
import { ApplicationFailure } from '@temporalio/common';
import {
  forgeOf,
  forgeTargetOf,
  type ChangeTarget,
  type ChangedFile,
  type PostedComment,
  type ForgeName,
  type ForgeTarget,
  type ForgeVerbs,
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

/**
 * The forge activities. Their types keep GitHub's names (running workflows schedule them so); an input
 * with another `forge` is served by that forge's adapter (`others`), through the port's verbs.
 */
export function createGitHubActivities(clientFor: GitHubClientFor, others: OtherForges = {}) {
  const on = (t: { forge?: ForgeName }): ForgeVerbs | undefined => {
    const forge = forgeOf(t);
    if (forge === 'github') return undefined;
    const verbs = others[forge];
    if (!verbs)
      throw ApplicationFailure.nonRetryable(`${forge} is not configured on this worker`, 'ForgeNotConfigured');
    return verbs;
  };
  const github = {
    runTool: createRunTool(clientFor, on),
    authorizeApprover: createAuthorizeApprover(clientFor),
    ...createPullAnalysis(clientFor),

    /** Changed files of a pull request with their patches, up to `maxPages` pages of 100. */
    async listPullFiles(
      input: RepoTarget & { pullNumber: number; maxPages: number },
    ): Promise<{ files: PullFile[]; truncated: boolean }> {
      const { files, truncated } = await changedFiles(clientFor(input), input, input.maxPages);
      return { files, truncated };
    },

    async postComment(input: IssueRef & { body: string }): Promise<PostedComment> {
      const data = await createComment(clientFor(input), input, input.issueNumber, input.body);
      return { id: data.id, url: data.html_url };
    },

    /** Head versions of files; a file over `maxBytes` or not found comes back as null. */
    async getFileContents(
      input: RepoTarget & { ref: string; paths: string[]; maxBytes: number },
    ): Promise<Record<string, string | null>> {
      const gh = clientFor(input);
      const out: Record<string, string | null> = {};
      for (const path of input.paths) out[path] = await headVersion(gh, input, path, input.ref, input.maxBytes);
      return out;
    },

    /** Whether a check run of this name already completed (not cancelled) on this commit. */
    async gateCheckDone(input: RepoTarget & { headSha: string; name: string }): Promise<boolean> {
      const gh = clientFor(input);
      // Every page: GitHub lists at most 100 runs a page, and reruns can give one name more on a commit.
      const runs = await githubCall(() =>
        gh.paginate(gh.checks.listForRef, {
          owner: input.owner,
          repo: input.repo,
          ref: input.headSha,
          check_name: input.name,
          filter: 'all',
          per_page: 100,
        }),
      );
      return runs.some((c) => c.status === 'completed' && c.conclusion !== 'cancelled');
    },

    async getPullHead(input: RepoTarget & { pullNumber: number }): Promise<{ sha: string; state: string }> {
      const { data } = await githubCall(() =>
        clientFor(input).pulls.get({ owner: input.owner, repo: input.repo, pull_number: input.pullNumber }),
      );
      return { sha: data.head.sha, state: data.state };
    },

    async createCheckRun(
      input: RepoTarget & {
        name: string;
        headSha: string;
        status: CheckStatus;
        detailsUrl?: string;
        externalId?: string;
        /** When the token cannot create check runs, show the check as a commit status (returns STATUS_ONLY). */
        orCommitStatus?: boolean;
      },
    ): Promise<{ id: number; url: string }> {
      try {
        const data = await createCheckRun(clientFor(input), input, {
          name: input.name,
          head_sha: input.headSha,
          status: input.status,
          details_url: input.detailsUrl,
          external_id: input.externalId,
        });
        return { id: data.id, url: data.html_url ?? '' };
      } catch (err) {
        if (!input.orCommitStatus || !needsApp(err)) throw err;
        await setCommitStatus(clientFor(input), {
          ...input,
          sha: input.headSha,
          context: input.name,
          state: 'pending',
          description: input.status === 'queued' ? 'Queued' : 'In progress',
          targetUrl: input.detailsUrl,
        });
        return { id: STATUS_ONLY, url: input.detailsUrl ?? '' };
      }
    },

    async updateCheckRun(
      input: RepoTarget & {
        checkRunId: number;
        status?: CheckStatus;
        conclusion?: CheckConclusion;
        output?: CheckRunOutput;
        /** For a check shown as a commit status (STATUS_ONLY): its commit, name and link. */
        headSha?: string;
        name?: string;
        detailsUrl?: string;
        /**
         * How many annotations the run holds before this update's: GitHub appends the annotations of every
         * update, so a retry reads the run's count and does not send a batch GitHub already applied.
         */
        annotationsBefore?: number;
      },
    ): Promise<void> {
      if (input.checkRunId === STATUS_ONLY) {
        if (!input.headSha || !input.name) throw new Error('a commit status needs the head commit and the check name');
        // Later updates only append annotations, which a status cannot show.
        if (!input.status && !input.conclusion) return;
        await setCommitStatus(clientFor(input), {
          ...input,
          sha: input.headSha,
          context: input.name,
          state: stateOf(input.conclusion),
          description: input.output?.title ?? (input.status === 'in_progress' ? 'In progress' : undefined),
          targetUrl: input.detailsUrl,
        });
        return;
      }
      const gh = clientFor(input);
      const run = { owner: input.owner, repo: input.repo, check_run_id: input.checkRunId };
      const batch = input.output?.annotations?.length ?? 0;
      if (batch > 0 && input.annotationsBefore !== undefined && currentOperation().retry) {
        // An earlier attempt may have been applied (GitHub answered 5xx after, or the worker died waiting).
        const { data } = await githubCall(() => gh.checks.get(run));
        if ((data.output?.annotations_count ?? 0) >= input.annotationsBefore + batch) return;
      }
      await githubCall(() =>
        gh.checks.update({
          ...run,
          status: input.status,
          conclusion: input.conclusion,
          output: (input.output ? fitCheckOutput(input.output) : undefined) as never,
        }),
      );
    },

    /**
     * Creates the comment carrying `marker`, or updates the one already there: one comment per PR. Only
     * the bot's own comments count: anyone can paste the marker into a comment of theirs.
     */
    async upsertMarkedComment(
      input: IssueRef & {
        marker: string;
        body: string;
        /** The comment's id as the analysis found it (null: none yet); trusted on a first attempt only. */
        known?: number | null;
      },
    ): Promise<PostedComment & { created: boolean }> {
      const gh = clientFor(input);
      const repo = { owner: input.owner, repo: input.repo };
      const body = fit(input.body, LIMITS.commentBody);
      if (input.known !== undefined && !currentOperation().retry) {
        if (input.known === null) {
          const { data } = await githubCall(() =>
            gh.issues.createComment({ ...repo, issue_number: input.issueNumber, body }),
          );
          return { id: data.id, url: data.html_url, created: true };
        }
        const updated = await githubCall(() =>
          gh.issues.updateComment({ ...repo, comment_id: input.known!, body }),
        ).catch((err: { type?: string }) => {
          if (err.type === 'GitHub404') return undefined; // deleted since: look it up below
          throw err;
        });
        if (updated) return { id: updated.data.id, url: updated.data.html_url, created: false };
      }
      const existing = await githubCall(() =>
        gh.paginate(gh.issues.listComments, {
          owner: input.owner,
          repo: input.repo,
          issue_number: input.issueNumber,
          per_page: 100,
        }),
      );
      let mine: (typeof existing)[number] | undefined;
      for (const c of existing) {
        if (c.body?.includes(input.marker) && (await authoredByBot(gh, c.user))) {
          mine = c;
          break;
        }
      }
      const { data } = mine
        ? await githubCall(() => gh.issues.updateComment({ ...repo, comment_id: mine.id, body }))
        : await githubCall(() => gh.issues.createComment({ ...repo, issue_number: input.issueNumber, body }));
      return { id: data.id, url: data.html_url, created: !mine };
    },

    async updateComment(input: RepoTarget & { commentId: number; body: string }): Promise<PostedComment> {
      const { data } = await githubCall(() =>
        clientFor(input).issues.updateComment({
          owner: input.owner,
          repo: input.repo,
          comment_id: input.commentId,
          body: fit(input.body, LIMITS.commentBody),
        }),
      );
      return { id: data.id, url: data.html_url };
    },
  };
  type Input<K extends keyof typeof github> = Parameters<(typeof github)[K]>[0];
  const change = (i: ForgeTarget & { pullNumber?: number; issueNumber?: number }) => ({
    ...forgeTargetOf(i),
    number: (i.pullNumber ?? i.issueNumber)!,
  });
  return {
    ...github,
    authorizeApprover: (i: Input<'authorizeApprover'>) => on(i)?.mayApprove(i, i) ?? github.authorizeApprover(i),
    async analysePullRequest(i: Input<'analysePullRequest'>) {
      const v = on(i);
      if (!v) return github.analysePullRequest(i);
      return analyseChange(i, {
        changedFiles: (maxPages) => v.changedFiles(change(i), maxPages),
        filesAt: (files, max) =>
          v.filesAt(
            i,
            i.headSha,
            files.map((f) => f.path),
            max,
          ),
      });
    },
    async pullDiff(i: Input<'pullDiff'>) {
      const v = on(i);
      return v ? diffWithin(await v.changedFiles(change(i), i.maxPages), i) : github.pullDiff(i);
    },
    async listPullFiles(i: Input<'listPullFiles'>) {
      const v = on(i);
      return v ? v.changedFiles(change(i), i.maxPages) : github.listPullFiles(i);
    },
    postComment: (i: Input<'postComment'>) => on(i)?.postComment(change(i), i.body) ?? github.postComment(i),
    async getFileContents(i: Input<'getFileContents'>) {
      const v = on(i);
      return v
        ? Object.fromEntries((await v.filesAt(i, i.ref, i.paths, i.maxBytes)).contents)
        : github.getFileContents(i);
    },
    gateCheckDone: (i: Input<'gateCheckDone'>) => on(i)?.checkDone(i, i.headSha, i.name) ?? github.gateCheckDone(i),
    getPullHead: (i: Input<'getPullHead'>) => on(i)?.head(change(i)) ?? github.getPullHead(i),
    createCheckRun: (i: Input<'createCheckRun'>) => on(i)?.createCheck(i, i) ?? github.createCheckRun(i),
    async updateCheckRun(i: Input<'updateCheckRun'> & { number?: number }) {
      const v = on(i);
      if (!v) return github.updateCheckRun(i);
      if (!i.headSha || !i.name) throw new Error(`a ${forgeOf(i)} check needs the head commit and the check name`);
      return v.updateCheck(i, { ...i, checkId: i.checkRunId, headSha: i.headSha, name: i.name });
    },
    upsertMarkedComment: (i: Input<'upsertMarkedComment'>) =>
      on(i)?.upsertMarkedComment(change(i), i.marker, i.body, i.known) ?? github.upsertMarkedComment(i),
    updateComment: (i: Input<'updateComment'> & { number?: number }) =>
      on(i)?.updateComment({ ...forgeTargetOf(i), number: i.number } as ChangeTarget, i.commentId, i.body) ??
      github.updateComment(i),
  };
}

/** The adapters of the forges besides GitHub that this worker serves. */
export type OtherForges = Partial<Record<Exclude<ForgeName, 'github'>, ForgeVerbs>>;

export type GitHubActivities = ReturnType<typeof createGitHubActivities>;
