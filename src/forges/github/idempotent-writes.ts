// GitHub writes that happen once however often their activity runs. GitHub may commit a write and the
// activity still fail (a 5xx after the commit, a reset connection, a worker killed while the answer was
// on its way); the retry must then find the write instead of repeating it. Each write carries a key of
// its activity (workflow, run and activity id: the same for every attempt): comments and reviews in a
// hidden marker, check runs as their external_id. Only a retry looks (attempt > 1), so the usual path
// costs no extra call.
import type { Octokit } from '@octokit/rest';
import { githubCall } from './failures.js';
import { fitCheckOutput, LIMITS } from './limits.js';
import { currentOperation, markBody, operationMarker, postOnce } from '../operation.js';

type Repo = { owner: string; repo: string };

/** A review's line comment as GitHub takes it: `line` (the last line) on the diff's new side, `start_line` for several. */
export interface ReviewComment {
  path: string;
  body: string;
  line: number;
  side: 'RIGHT';
  start_line?: number;
  start_side?: 'RIGHT';
}

/** Only the repository's owner and name: a caller's whole input must never become GitHub parameters. */
const only = ({ owner, repo }: Repo): Repo => ({ owner, repo });

export async function createComment(gh: Octokit, target: Repo, issueNumber: number, body: string) {
  const repo = only(target);
  const op = currentOperation();
  const marked = markBody(body, op);
  if (op.retry) {
    const all = await githubCall(() =>
      gh.paginate(gh.issues.listComments, { ...repo, issue_number: issueNumber, per_page: 100 }),
    );
    const done = all.find((c) => c.body?.includes(operationMarker(op.key)));
    if (done) return done;
  }
  return (await githubCall(() => gh.issues.createComment({ ...repo, issue_number: issueNumber, body: marked }))).data;
}

/** A comment on a commit, once per operation (a retry finds the one an earlier attempt wrote). */
export async function createCommitComment(gh: Octokit, target: Repo, sha: string, body: string) {
  const repo = { ...only(target), commit_sha: sha };
  const op = currentOperation();
  const find = async () =>
    (await githubCall(() => gh.paginate(gh.repos.listCommentsForCommit, { ...repo, per_page: 100 }))).find((c) =>
      c.body?.includes(operationMarker(op.key)),
    );
  const create = async () =>
    (await githubCall(() => gh.repos.createCommitComment({ ...repo, body: markBody(body, op) }))).data;
  return postOnce(op, find, create);
}

export async function createReview(
  gh: Octokit,
  target: Repo,
  pullNumber: number,
  body: string,
  event: 'APPROVE' | 'REQUEST_CHANGES' | 'COMMENT',
  /** Line comments of the review (one request, one notification) and the commit they are on. */
  lines?: { commit_id?: string; comments: ReviewComment[] },
  op = currentOperation(),
) {
  const repo = only(target);
  if (op.retry) {
    const all = await githubCall(() =>
      gh.paginate(gh.pulls.listReviews, { ...repo, pull_number: pullNumber, per_page: 100 }),
    );
    const done = all.find((r) => r.body?.includes(operationMarker(op.key)));
    if (done) return done;
  }
  return (
    await githubCall(() =>
      gh.pulls.createReview({
        ...repo,
        pull_number: pullNumber,
        body: markBody(body, op, LIMITS.reviewBody),
        event,
        ...(lines?.commit_id ? { commit_id: lines.commit_id } : {}),
        ...(lines?.comments.length ? { comments: lines.comments } : {}),
      }),
    )
  ).data;
}

export async function createCheckRun(
  gh: Octokit,
  target: Repo,
  params: {
    name: string;
    head_sha: string;
    external_id?: string;
    output?: { summary?: string; text?: string };
  } & Record<string, unknown>,
) {
  const repo = only(target);
  const op = currentOperation();
  const externalId = params.external_id ?? op.key;
  if (op.retry) {
    // Every page: GitHub lists at most 100 runs a page, and a name may have many runs on one commit.
    const runs = await githubCall(() =>
      gh.paginate(gh.checks.listForRef, {
        ...repo,
        ref: params.head_sha,
        check_name: params.name,
        filter: 'all',
        per_page: 100,
      }),
    );
    const done = runs.find((c) => c.external_id === externalId);
    if (done) return done;
  }
  return (
    await githubCall(() =>
      gh.checks.create({
        ...repo,
        ...params,
        ...(params.output ? { output: fitCheckOutput(params.output) } : {}),
        external_id: externalId,
      } as Parameters<Octokit['checks']['create']>[0]),
    )
  ).data;
}
