// GitHub writes that happen once however often their activity runs. GitHub may commit a write and the
// activity still fail (a 5xx after the commit, a reset connection, a worker killed while the answer was
// on its way); the retry must then find the write instead of repeating it. Each write carries a key of
// its activity (workflow, run and activity id: the same for every attempt): comments and reviews in a
// hidden marker, check runs as their external_id. Only a retry looks (attempt > 1), so the usual path
// costs no extra call.
import { Context } from '@temporalio/activity';
import type { Octokit } from '@octokit/rest';
import { createHash } from 'node:crypto';
import { githubCall } from '../../src/github/failures.js';
import { cutNote, fit, fitCheckOutput, less, LIMITS, type Limit } from '../../src/github/limits.js';

export interface Operation {
  key: string;
  /** True when an earlier attempt may have written already. */
  retry: boolean;
}

/** The current activity's operation; outside an activity (unit tests) a fresh one. */
export function currentOperation(): Operation {
  try {
    const info = Context.current().info;
    const id = `${info.workflowExecution?.workflowId}/${info.workflowExecution?.runId}/${info.activityId}`;
    return { key: createHash('sha256').update(id).digest('hex').slice(0, 24), retry: info.attempt > 1 };
  } catch {
    return { key: createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 24), retry: false };
  }
}

export const operationMarker = (key: string) => `<!-- aof:op=${key} -->`;

/**
 * The body with its operation marker (kept last, invisible when rendered), within `limit`: the body is
 * cut to leave room for the marker, which is never cut.
 */
export function markBody(body: string, op: Operation, limit: Limit = LIMITS.commentBody): string {
  const marker = `\n\n${operationMarker(op.key)}`;
  return `${fit(body, less(limit, marker), cutNote(limit))}${marker}`;
}

type Repo = { owner: string; repo: string };

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

export async function createReview(
  gh: Octokit,
  target: Repo,
  pullNumber: number,
  body: string,
  event: 'APPROVE' | 'REQUEST_CHANGES' | 'COMMENT',
) {
  const repo = only(target);
  const op = currentOperation();
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
