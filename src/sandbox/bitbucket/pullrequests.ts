// Pull requests: read one (commit hashes abbreviated to 12 characters, as Bitbucket shows them), its
// diffstat (paged) and its whole diff (one `git diff` text), and the reviewer's approve and request-changes.
import {
  allowQuery,
  badRequest,
  forbidden,
  notFound,
  PAGE_PARAMS,
  paginate,
  type RequestContext,
  type Route,
} from './http.js';
import { findRepository, hasPermission } from './repositories.js';
import type { BitbucketPullRequest } from './state.js';
import { userView } from './users.js';

export function findPullRequest(ctx: RequestContext, ws: string, slug: string, id: string): BitbucketPullRequest {
  findRepository(ctx, ws, slug);
  const pr = /^\d+$/.test(id) ? ctx.state.pullRequest(`${ws}/${slug}`, Number(id)) : undefined;
  if (!pr) throw notFound(`Pull request ${id} not found`);
  return pr;
}

function prView(ctx: RequestContext, pr: BitbucketPullRequest) {
  const user = (uuid: string) => userView(ctx.state.users.get(uuid)!);
  return {
    type: 'pullrequest',
    id: pr.id,
    title: pr.title,
    state: pr.state,
    draft: pr.draft,
    author: user(pr.authorUuid),
    source: { branch: { name: pr.sourceBranch }, commit: { type: 'commit', hash: pr.sourceCommit.slice(0, 12) } },
    destination: { branch: { name: pr.destBranch }, commit: { type: 'commit', hash: pr.destCommit.slice(0, 12) } },
    participants: [...pr.participants].map(([uuid, state]) => ({
      type: 'participant',
      user: user(uuid),
      role: 'PARTICIPANT',
      approved: state === 'approved',
      state,
    })),
    links: { html: { href: `${ctx.url.origin}/${pr.repo}/pull-requests/${pr.id}` } },
  };
}

export function diffOf(pr: BitbucketPullRequest): string {
  return pr.changes
    .map((c) => {
      const from = c.status === 'added' ? '/dev/null' : `a/${c.oldPath ?? c.path}`;
      const to = c.status === 'removed' ? '/dev/null' : `b/${c.path}`;
      const mode =
        c.status === 'added' ? 'new file mode 100644\n' : c.status === 'removed' ? 'deleted file mode 100644\n' : '';
      return `diff --git a/${c.oldPath ?? c.path} b/${c.path}\n${mode}index 0000000..1111111\n--- ${from}\n+++ ${to}\n${c.patch}`;
    })
    .join('');
}

const count = (patch: string, sign: '+' | '-') => patch.split('\n').filter((l) => l.startsWith(sign)).length;

/** A reviewer's approval or change request: never on one's own pull request, nor on a closed one. */
function review(ctx: RequestContext, [ws, slug, id]: string[], state: 'approved' | 'changes_requested') {
  allowQuery(ctx, []);
  const pr = findPullRequest(ctx, ws!, slug!, id!);
  if (!hasPermission(ctx, ctx.state.repositories.get(pr.repo)!, 'read')) throw forbidden();
  if (pr.authorUuid === ctx.user.uuid)
    throw badRequest(
      state === 'approved'
        ? "You can't approve your own pull request."
        : "You can't request changes on your own pull request.",
    );
  if (pr.state !== 'OPEN') throw badRequest('The pull request is not open.');
  pr.participants.set(ctx.user.uuid, state);
  return {
    body: { type: 'participant', user: userView(ctx.user), role: 'REVIEWER', approved: state === 'approved', state },
    wrote: true,
  };
}

const PR = 'repositories/:ws/:repo/pullrequests/:id';

/** A repository's pull requests, newest first, in `state` (Cloud: one of STATES; Data Center: its own names). */
export function pullRequestsOf(
  ctx: RequestContext,
  ws: string,
  slug: string,
  state: (pr: BitbucketPullRequest) => boolean,
) {
  findRepository(ctx, ws, slug);
  return [...ctx.state.pullRequests.values()]
    .filter((pr) => pr.repo === `${ws}/${slug}` && state(pr))
    .sort((a, b) => b.id - a.id);
}

export const pullRequestRoutes: Route[] = [
  {
    // A repository's pull requests: `state` OPEN by default (MERGED, DECLINED, SUPERSEDED), 10 a page, 50 at most.
    method: 'GET',
    pattern: 'repositories/:ws/:repo/pullrequests',
    handler: (ctx, [ws, slug]) => {
      allowQuery(ctx, [...PAGE_PARAMS, 'state', 'q', 'sort', 'fields']);
      const state = ctx.query.state ?? 'OPEN';
      if (!['OPEN', 'MERGED', 'DECLINED', 'SUPERSEDED'].includes(state)) throw badRequest(`Invalid state: ${state}`);
      const prs = pullRequestsOf(ctx, ws!, slug!, (pr) => pr.state === state);
      return paginate(
        ctx,
        prs.map((pr) => prView(ctx, pr)),
        10,
        50,
      );
    },
  },
  {
    method: 'GET',
    pattern: PR,
    handler: (ctx, [ws, slug, id]) => {
      allowQuery(ctx, ['fields']);
      return { body: prView(ctx, findPullRequest(ctx, ws!, slug!, id!)) };
    },
  },
  {
    method: 'GET',
    pattern: `${PR}/diffstat`,
    handler: (ctx, [ws, slug, id]) => {
      allowQuery(ctx, [...PAGE_PARAMS, 'ignore_whitespace', 'merge', 'path', 'renames', 'topic']);
      const pr = findPullRequest(ctx, ws!, slug!, id!);
      const values = pr.changes.map((c) => ({
        type: 'diffstat',
        status: c.status,
        lines_added: count(c.patch, '+'),
        lines_removed: count(c.patch, '-'),
        old: c.status === 'added' ? null : { path: c.oldPath ?? c.path, type: 'commit_file' },
        new: c.status === 'removed' ? null : { path: c.path, type: 'commit_file' },
      }));
      return paginate(ctx, values, 500, 500);
    },
  },
  {
    method: 'GET',
    pattern: `${PR}/diff`,
    handler: (ctx, [ws, slug, id]) => {
      allowQuery(ctx, ['context', 'path', 'ignore_whitespace', 'binary', 'renames', 'merge', 'topic']);
      return { body: diffOf(findPullRequest(ctx, ws!, slug!, id!)), type: 'text/plain' };
    },
  },
  { method: 'POST', pattern: `${PR}/approve`, handler: (ctx, p) => review(ctx, p, 'approved') },
  { method: 'POST', pattern: `${PR}/request-changes`, handler: (ctx, p) => review(ctx, p, 'changes_requested') },
];
