// GitHub's outbound side of the forge port: the verbs workflows use, on GitHub's REST and GraphQL APIs
// through @octokit/rest. Every write is idempotent across activity retries and worker deaths: comments,
// reviews and check runs carry the attempt's operation key and a retry looks for it before writing again
// (src/forges/github/idempotent-writes.ts); a check's annotations are counted before a retried batch.
// A token that cannot create check runs (not an App's) gets the check as a commit status of the same name.
import type { GitHubClientFor } from './client.js';
import { githubCall } from './failures.js';
import { fit, fitCheckOutput, LIMITS } from './limits.js';
import { needsApp, stateOf } from './check-fallback.js';
import { clientLogin } from './identity.js';
import { createCheckRun, createComment, createCommitComment, createReview } from './idempotent-writes.js';
import { currentOperation } from '../operation.js';
import { setCommitStatus } from './commit-status.js';
import { headVersion, headVersions } from './blob-contents.js';
import { configFiles } from './change-config.js';
import { authoredByBot, commentsAlong, markedCommentIn } from './marked-comment.js';
import { createAuthorizeApprover } from './approvals.js';
import { agentComment, githubReviewThreads } from './review-threads.js';
import { answerProtectionRule } from './protection-answer.js';
import { openPulls } from './open-changes.js';
import type { Octokit } from '@octokit/rest';
import { STATUS_ONLY, type ChangeReader, type ChangedFile, type ForgeTarget, type ForgeVerbs } from '../port.js';

export function createGitHubVerbs(clientFor: GitHubClientFor): ForgeVerbs {
  const mayApprove = createAuthorizeApprover(clientFor);
  return {
    changedFiles: (t, maxPages) => changedFiles(clientFor(t), { ...t, pullNumber: t.number }, maxPages),

    /** One REST read per file (what a tool or a flow asks for is a few files). */
    async filesAt(t, sha, paths, maxBytes) {
      const gh = clientFor(t);
      const contents = new Map<string, string | null>();
      for (const path of paths) contents.set(path, await headVersion(gh, t, path, sha, maxBytes));
      return { contents, requests: paths.length };
    },

    /** A change's head versions in as few GraphQL requests as GitHub allows, the bot's comment found along. */
    changeReader(t, headSha, commentMarker): ChangeReader {
      const gh = clientFor(t);
      let comment: number | null | undefined;
      return {
        changedFiles: (maxPages) => changedFiles(gh, { ...t, pullNumber: t.number }, maxPages),
        async filesAt(files, maxFileBytes) {
          const heads = await headVersions(
            gh,
            t,
            headSha,
            files,
            maxFileBytes,
            commentMarker ? commentsAlong(t.number) : undefined,
          );
          if (commentMarker) comment = await markedCommentIn(heads.along, commentMarker, gh);
          return heads;
        },
        comment: () => comment,
      };
    },

    /** The files changed between two commits (GitHub's compare, at most 300 files), head versions in GraphQL. */
    comparisonReader(t, baseSha, headSha): ChangeReader {
      const gh = clientFor(t);
      return {
        changedFiles: () => comparedFiles(gh, t, baseSha, headSha),
        filesAt: (files, maxFileBytes) => headVersions(gh, t, headSha, files, maxFileBytes),
      };
    },

    async head(t) {
      const { data } = await githubCall(() =>
        clientFor(t).pulls.get({ owner: t.owner, repo: t.repo, pull_number: t.number }),
      );
      return { sha: data.head.sha, state: data.state };
    },

    openChanges: (t, limit) => openPulls(clientFor(t), t, limit),

    /** One GraphQL request for the facts and both files (src/forges/github/change-config.ts). */
    configFiles: (t, path, orgRepo, maxBytes) => configFiles(clientFor(t), t, path, orgRepo, maxBytes),

    async postComment(t, body) {
      const data = await createComment(clientFor(t), t, t.number, body);
      return { id: data.id, url: data.html_url };
    },

    async updateComment(t, commentId, body) {
      const { data } = await githubCall(() =>
        clientFor(t).issues.updateComment({
          owner: t.owner,
          repo: t.repo,
          comment_id: commentId,
          body: fit(body, LIMITS.commentBody),
        }),
      );
      return { id: data.id, url: data.html_url };
    },

    /**
     * Creates the comment carrying `marker`, or updates the one already there: one comment per PR. Only
     * the bot's own comments count: anyone can paste the marker into a comment of theirs. `known` (the
     * comment as the analysis found it, null: none yet) is trusted on a first attempt only.
     */
    async upsertMarkedComment(t, marker, text, known) {
      const gh = clientFor(t);
      const repo = { owner: t.owner, repo: t.repo };
      const body = fit(text, LIMITS.commentBody);
      if (known !== undefined && !currentOperation().retry) {
        if (known === null) {
          const { data } = await githubCall(() => gh.issues.createComment({ ...repo, issue_number: t.number, body }));
          return { id: data.id, url: data.html_url, created: true };
        }
        const updated = await githubCall(() => gh.issues.updateComment({ ...repo, comment_id: known, body })).catch(
          (err: { type?: string }) => {
            if (err.type === 'GitHub404') return undefined; // deleted since: look it up below
            throw err;
          },
        );
        if (updated) return { id: updated.data.id, url: updated.data.html_url, created: false };
      }
      const existing = await githubCall(() =>
        gh.paginate(gh.issues.listComments, { ...repo, issue_number: t.number, per_page: 100 }),
      );
      let mine: (typeof existing)[number] | undefined;
      for (const c of existing) {
        if (c.body?.includes(marker) && (await authoredByBot(gh, c.user))) {
          mine = c;
          break;
        }
      }
      const { data } = mine
        ? await githubCall(() => gh.issues.updateComment({ ...repo, comment_id: mine.id, body }))
        : await githubCall(() => gh.issues.createComment({ ...repo, issue_number: t.number, body }));
      return { id: data.id, url: data.html_url, created: !mine };
    },

    async createCheck(t, c) {
      try {
        const data = await createCheckRun(clientFor(t), t, {
          name: c.name,
          head_sha: c.headSha,
          status: c.status,
          details_url: c.detailsUrl,
          external_id: c.externalId,
          ...(c.conclusion ? { conclusion: c.conclusion } : {}),
          ...(c.output ? { output: fitCheckOutput(c.output) } : {}),
        });
        return { id: data.id, url: data.html_url ?? '' };
      } catch (err) {
        if (!c.orCommitStatus || !needsApp(err)) throw err;
        await setCommitStatus(clientFor(t), {
          ...t,
          sha: c.headSha,
          context: c.name,
          state: 'pending',
          description: c.status === 'queued' ? 'Queued' : 'In progress',
          targetUrl: c.detailsUrl,
        });
        return { id: STATUS_ONLY, url: c.detailsUrl ?? '' };
      }
    },

    async updateCheck(t, c) {
      if (c.checkId === STATUS_ONLY) {
        if (!c.headSha || !c.name) throw new Error('a commit status needs the head commit and the check name');
        // Later updates only append annotations, which a status cannot show.
        if (!c.status && !c.conclusion) return;
        await setCommitStatus(clientFor(t), {
          ...t,
          sha: c.headSha,
          context: c.name,
          state: stateOf(c.conclusion),
          description: c.output?.title ?? (c.status === 'in_progress' ? 'In progress' : undefined),
          targetUrl: c.detailsUrl,
        });
        return;
      }
      const gh = clientFor(t);
      const run = { owner: t.owner, repo: t.repo, check_run_id: c.checkId };
      const batch = c.output?.annotations?.length ?? 0;
      // GitHub appends the annotations of every update: a retry reads the run's count and does not send a
      // batch GitHub already applied (it answered 5xx after, or the worker died waiting).
      if (batch > 0 && c.annotationsBefore !== undefined && currentOperation().retry) {
        const { data } = await githubCall(() => gh.checks.get(run));
        if ((data.output?.annotations_count ?? 0) >= c.annotationsBefore + batch) return;
      }
      await githubCall(() =>
        gh.checks.update({
          ...run,
          status: c.status,
          conclusion: c.conclusion,
          output: (c.output ? fitCheckOutput(c.output) : undefined) as never,
        }),
      );
    },

    /** Every page: GitHub lists at most 100 runs a page, and reruns can give one name more on a commit. */
    async checkDone(t, headSha, name) {
      const gh = clientFor(t);
      const runs = await githubCall(() =>
        gh.paginate(gh.checks.listForRef, {
          owner: t.owner,
          repo: t.repo,
          ref: headSha,
          check_name: name,
          filter: 'all',
          per_page: 100,
        }),
      );
      return runs.some((r) => r.status === 'completed' && r.conclusion !== 'cancelled');
    },

    async checkById(t, headSha, checkId) {
      const { data } = await githubCall(() =>
        clientFor(t).checks.get({ owner: t.owner, repo: t.repo, check_run_id: checkId }),
      ).catch((err: { type?: string }) => {
        if (err.type === 'GitHub404') return { data: undefined };
        throw err;
      });
      return data && data.head_sha === headSha ? { name: data.name, state: data.status } : undefined;
    },

    async submitReview(t, r) {
      const lines = r.comments?.length ? { commit_id: r.headSha, comments: r.comments.map(agentComment) } : undefined;
      const data = await createReview(clientFor(t), t, t.number, r.body, r.event, lines);
      return { id: data.id, url: data.html_url };
    },

    reviewThreads: (t, r) => githubReviewThreads(clientFor(t), t, r),

    mayApprove: (t, p) => mayApprove({ ...t, ...p }),

    answerProtectionRule: (t, a) => answerProtectionRule(clientFor(t), t, a),

    async commentOnCommit(t, sha, body) {
      const data = await createCommitComment(clientFor(t), t, sha, body);
      return { id: data.id, url: data.html_url };
    },

    async botIdentity(t) {
      const gh = clientFor(t);
      const login = await clientLogin(gh);
      if (login === undefined) throw new Error('GitHub did not say who these credentials act as');
      return { login, id: 0 };
    },

    labels: {
      async add(t, labels) {
        const { data } = await githubCall(() =>
          clientFor(t).issues.addLabels({ owner: t.owner, repo: t.repo, issue_number: t.number, labels }),
        );
        return data.map((l) => l.name);
      },
      async remove(t, label) {
        await githubCall(() =>
          clientFor(t).issues.removeLabel({ owner: t.owner, repo: t.repo, issue_number: t.number, name: label }),
        );
      },
    },
  };
}

/** A changed file as GitHub lists it (a pull request's files, a comparison's), in the port's words. */
const changedFileOf = (f: ChangedFile): ChangedFile => ({
  filename: f.filename,
  status: f.status,
  additions: f.additions,
  deletions: f.deletions,
  patch: f.patch,
  previous_filename: f.previous_filename,
});

/** The changed files of a pull request, up to `maxPages` pages of 100 (for the activities of either shape). */
export async function changedFiles(gh: Octokit, t: ForgeTarget & { pullNumber: number }, maxPages: number) {
  const files: ChangedFile[] = [];
  let requests = 0;
  for (let page = 1; page <= maxPages; page++) {
    requests++;
    const { data } = await githubCall(() =>
      gh.pulls.listFiles({ owner: t.owner, repo: t.repo, pull_number: t.pullNumber, per_page: 100, page }),
    );
    files.push(...data.map(changedFileOf));
    if (data.length < 100) return { files, truncated: false, requests };
  }
  return { files, truncated: true, requests };
}

/** How many changed files GitHub's comparison of two commits lists at most (it says nothing when it cuts). */
export const COMPARED_FILES_AT_MOST = 300;

/**
 * The files changed between two commits: one request (`GET /repos/{owner}/{repo}/compare/{basehead}`). Asked
 * with `per_page=1`, GitHub lists one commit and, on that first page, the changed files of the whole
 * comparison, up to 300: a list of 300 may have been cut, and is reported as truncated.
 */
export async function comparedFiles(gh: Octokit, t: ForgeTarget, baseSha: string, headSha: string) {
  const { data } = await githubCall(() =>
    gh.repos.compareCommitsWithBasehead({
      owner: t.owner,
      repo: t.repo,
      basehead: `${baseSha}...${headSha}`,
      per_page: 1,
      page: 1,
    }),
  );
  const files = (data.files ?? []).map(changedFileOf);
  return {
    files,
    truncated: files.length >= COMPARED_FILES_AT_MOST,
    requests: 1,
    listedAtMost: COMPARED_FILES_AT_MOST,
  };
}
