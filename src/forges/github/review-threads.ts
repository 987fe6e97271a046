// A gate's findings as one GitHub pull request review with line comments, and their threads across pushes.
// The threads are read from GitHub (GraphQL `pullRequest.reviewThreads`, 100 a page, at most
// THREAD_PAGES pages), each known by the finding marker its first comment (the bot's) ends with: a
// finding already there keeps its thread, one the bot had resolved and that is found again is reopened,
// one a person resolved or answered as wrong or won't-fix is not raised again, and the bot's threads of
// findings no longer found are resolved, several aliased mutations a request. The new findings go in one
// review (one request, one notification) whose body and comments carry the activity's operation marker:
// a retry finds the review instead of posting it again, and counts its threads as new.
import type { Octokit } from '@octokit/rest';
import { githubCall } from './failures.js';
import { createReview, type ReviewComment } from './idempotent-writes.js';
import { currentOperation, operationMarker } from '../operation.js';
import { DISMISSAL, endingMarker, suggestionBlock, threadBody } from '../findings.js';
import { isBotLogin } from '../../routing/bots.js';
import type { ChangeTarget, ReviewFinding, ReviewLineComment, ReviewThreads } from '../port.js';
import { THREAD_PAGES } from '../review-limits.js';
import { planThreads, type BotThread } from '../review-plan.js';

/** Resolutions (and reopenings) sent in one GraphQL request, as aliased mutations. */
export const MUTATIONS_PER_REQUEST = 20;
/** Replies of a thread read for a dismissal: its last ones. */
const REPLIES_READ = 10;

const THREADS_QUERY = `query($owner: String!, $repo: String!, $pr: Int!, $after: String) {
  me: viewer { login }
  repository(owner: $owner, name: $repo) {
    pullRequest(number: $pr) {
      reviewThreads(first: 100, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes {
          id
          isResolved
          path
          resolvedBy { login }
          first: comments(first: 1) { nodes { body author { login } } }
          replies: comments(last: ${REPLIES_READ}) { nodes { body author { login } } }
        }
      }
    }
  }
}`;

interface CommentNode {
  body: string;
  author: { login: string } | null;
}
interface ThreadNode {
  id: string;
  isResolved: boolean;
  path: string;
  resolvedBy: { login: string } | null;
  first: { nodes: (CommentNode | null)[] | null };
  replies: { nodes: (CommentNode | null)[] | null };
}
interface ThreadsAnswer {
  me: { login: string };
  repository: {
    pullRequest: {
      reviewThreads: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: (ThreadNode | null)[] };
    } | null;
  } | null;
}

/** The bot's finding threads on the pull request, in at most THREAD_PAGES requests. */
export async function botThreads(
  gh: Octokit,
  t: ChangeTarget,
  opMarker: string,
): Promise<{ threads: Map<string, BotThread>; requests: number }> {
  const threads = new Map<string, BotThread>();
  let after: string | null = null;
  let requests = 0;
  for (let page = 0; page < THREAD_PAGES; page++) {
    requests++;
    const answer: ThreadsAnswer = await githubCall(() =>
      gh.graphql<ThreadsAnswer>(THREADS_QUERY, { owner: t.owner, repo: t.repo, pr: t.number, after }),
    );
    const me = answer.me.login;
    const connection = answer.repository?.pullRequest?.reviewThreads;
    if (!connection) break;
    for (const n of connection.nodes) {
      const first = n?.first.nodes?.[0];
      if (!n || !first || !isBotLogin(first.author?.login, me)) continue;
      const marker = endingMarker(first.body);
      if (!marker || threads.has(marker)) continue;
      const replies = (n.replies.nodes ?? []).filter(
        (c): c is CommentNode => !!c && c !== first && !isBotLogin(c.author?.login, me),
      );
      const byPerson = n.isResolved && !isBotLogin(n.resolvedBy?.login, me);
      threads.set(marker, {
        id: n.id,
        path: n.path,
        resolved: n.isResolved,
        dismissed: byPerson || replies.some((c) => c.body !== first.body && DISMISSAL.test(c.body)),
        mine: first.body.includes(opMarker),
      });
    }
    if (!connection.pageInfo.hasNextPage) break;
    after = connection.pageInfo.endCursor;
  }
  return { threads, requests };
}

/** Resolves and reopens threads, MUTATIONS_PER_REQUEST aliased mutations a request; the requests made. */
async function setResolved(gh: Octokit, changes: { id: string; resolve: boolean }[]): Promise<number> {
  let requests = 0;
  for (let i = 0; i < changes.length; i += MUTATIONS_PER_REQUEST) {
    const batch = changes.slice(i, i + MUTATIONS_PER_REQUEST);
    const declare = batch.map((_, j) => `$t${j}: ID!`).join(', ');
    const fields = batch
      .map(
        (c, j) =>
          `m${j}: ${c.resolve ? 'resolveReviewThread' : 'unresolveReviewThread'}(input: { threadId: $t${j} }) { thread { id isResolved } }`,
      )
      .join('\n  ');
    requests++;
    await githubCall(() =>
      gh.graphql(`mutation(${declare}) {\n  ${fields}\n}`, Object.fromEntries(batch.map((c, j) => [`t${j}`, c.id]))),
    );
  }
  return requests;
}

/** A review's line comment on the head's lines `start`..`end`: `line` the last, `start_line` the first when several. */
export function reviewComment(path: string, start: number, end: number, body: string): ReviewComment {
  return {
    path,
    body,
    line: end,
    side: 'RIGHT',
    ...(end > start ? { start_line: start, start_side: 'RIGHT' as const } : {}),
  };
}

/** An agent's line comment, its replacement as a suggestion block. */
export const agentComment = (c: ReviewLineComment): ReviewComment =>
  reviewComment(
    c.path,
    c.start_line ?? c.line,
    c.line,
    c.replacement !== undefined ? `${c.body}\n\n${suggestionBlock(c.replacement)}` : c.body,
  );

/** A finding as a line comment, its markers last. */
const lineComment = (f: ReviewFinding, marker: string, opMarker: string): ReviewComment =>
  reviewComment(f.path, f.start_line, f.end_line, threadBody(f, `${opMarker}\n${marker}`, {}));

export async function githubReviewThreads(
  gh: Octokit,
  t: ChangeTarget,
  r: { headSha: string; body: string; findings: ReviewFinding[]; analysedPaths: string[] },
): Promise<ReviewThreads> {
  const op = currentOperation();
  const opMarker = operationMarker(op.key);
  const { threads, requests: reads } = await botThreads(gh, t, opMarker);
  const plan = planThreads(r.findings, threads, r.analysedPaths);
  const out: ReviewThreads = { ...plan.counts, requests: reads };
  out.requests += await setResolved(gh, plan.changes);
  const todo = plan.post;
  if (!todo.length) return out;
  const post = (comments: ReviewComment[], note: string) =>
    createReview(gh, t, t.number, `${r.body}\n\n${note}`, 'COMMENT', { commit_id: r.headSha, comments }, op);
  out.requests += 1 + (op.retry ? 1 : 0);
  try {
    const review = await post(
      todo.map(({ f, marker }) => lineComment(f, marker, opMarker)),
      `${todo.length} new finding(s) on the changed lines.`,
    );
    out.new += todo.length;
    out.url = review.html_url;
  } catch (err) {
    // GitHub refuses the whole review when one line is not in its diff (a head that moved on): the review
    // says so without line comments, and the findings stay in the check and the comment.
    if ((err as { type?: string }).type !== 'GitHub422') throw err;
    out.requests++;
    const review = await post([], `${todo.length} finding(s) could not be placed on the diff's lines: see the check.`);
    out.notOnDiff += todo.length;
    out.url = review.html_url;
  }
  return out;
}
