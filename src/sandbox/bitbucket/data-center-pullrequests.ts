// Data Center's pull requests: read one (`fromRef.latestCommit` and `toRef.latestCommit`, full hashes; `draft`,
// Data Center 8.18+), its changes (paged by
// `start`/`limit`), its raw diff (`GET .../pull-requests/{id}.diff`, one `git diff` text), its activity (the
// comments, newest first), and the current user's own status as a participant (`PUT .../participants/{userSlug}`:
// APPROVED, NEEDS_WORK or UNAPPROVED; never the author's).
import {
  allowFields,
  allowQuery,
  badRequest,
  BitbucketHttpError,
  DC_PAGE_PARAMS,
  forbidden,
  pageOf,
  type RequestContext,
  type Route,
} from './http.js';
import { dataCenterCommentView } from './data-center-comments.js';
import { dataCenterUserView } from './data-center-users.js';
import { diffOf, findPullRequest, pullRequestsOf } from './pullrequests.js';
import type { BitbucketPullRequest } from './state.js';

export const DC_PR = 'api/1.0/projects/:key/repos/:slug/pull-requests/:id';

const STATUS = { approved: 'APPROVED', changes_requested: 'NEEDS_WORK' } as const;

function refView(ctx: RequestContext, pr: BitbucketPullRequest, branch: string, commit: string) {
  const [key, slug] = pr.repo.split('/') as [string, string];
  return {
    id: `refs/heads/${branch}`,
    displayId: branch,
    latestCommit: commit,
    type: 'BRANCH',
    repository: {
      slug,
      name: slug,
      project: { key },
      links: { self: [{ href: `${ctx.url.origin}/projects/${key}/repos/${slug}/browse` }] },
    },
  };
}

function prView(ctx: RequestContext, pr: BitbucketPullRequest) {
  const user = (uuid: string) => dataCenterUserView(ctx.state.users.get(uuid)!);
  const [key, slug] = pr.repo.split('/') as [string, string];
  const reviewers = [...pr.participants].map(([uuid, state]) => ({
    user: user(uuid),
    role: 'REVIEWER',
    approved: state === 'approved',
    status: STATUS[state],
  }));
  return {
    id: pr.id,
    version: 0,
    title: pr.title,
    state: pr.state === 'SUPERSEDED' ? 'DECLINED' : pr.state,
    open: pr.state === 'OPEN',
    closed: pr.state !== 'OPEN',
    draft: pr.draft,
    fromRef: refView(ctx, pr, pr.sourceBranch, pr.sourceCommit),
    toRef: refView(ctx, pr, pr.destBranch, pr.destCommit),
    author: { user: user(pr.authorUuid), role: 'AUTHOR', approved: false, status: 'UNAPPROVED' },
    reviewers,
    participants: [],
    links: { self: [{ href: `${ctx.url.origin}/projects/${key}/repos/${slug}/pull-requests/${pr.id}` }] },
  };
}

const TYPE = { added: 'ADD', removed: 'DELETE', modified: 'MODIFY', renamed: 'MOVE' } as const;
const pathView = (p: string) => ({
  components: p.split('/'),
  parent: p.split('/').slice(0, -1).join('/'),
  name: p.split('/').at(-1),
  toString: p,
});

export const dataCenterPullRequestRoutes: Route[] = [
  {
    // A repository's pull requests: `state` OPEN by default (DECLINED, MERGED, ALL), `order` NEWEST by default.
    method: 'GET',
    pattern: 'api/1.0/projects/:key/repos/:slug/pull-requests',
    handler: (ctx, [key, slug]) => {
      allowQuery(ctx, [
        ...DC_PAGE_PARAMS,
        'state',
        'order',
        'direction',
        'at',
        'withAttributes',
        'withProperties',
        'draftStatus',
        'filterText',
      ]);
      const state = (ctx.query.state ?? 'OPEN').toUpperCase();
      if (!['OPEN', 'DECLINED', 'MERGED', 'ALL'].includes(state)) throw badRequest(`Invalid state: ${state}`);
      const order = (ctx.query.order ?? 'NEWEST').toUpperCase();
      if (!['NEWEST', 'OLDEST'].includes(order)) throw badRequest(`Invalid order: ${order}`);
      const prs = pullRequestsOf(
        ctx,
        key!,
        slug!,
        (pr) => state === 'ALL' || (pr.state === 'SUPERSEDED' ? 'DECLINED' : pr.state) === state,
      );
      return pageOf(
        ctx,
        (order === 'OLDEST' ? prs.reverse() : prs).map((pr) => prView(ctx, pr)),
      );
    },
  },
  {
    method: 'GET',
    pattern: `${DC_PR}.diff`,
    handler: (ctx, [key, slug, id]) => {
      allowQuery(ctx, ['contextLines', 'whitespace']);
      return { body: diffOf(findPullRequest(ctx, key!, slug!, id!)), type: 'text/plain' };
    },
  },
  {
    method: 'GET',
    pattern: DC_PR,
    handler: (ctx, [key, slug, id]) => {
      allowQuery(ctx, []);
      return { body: prView(ctx, findPullRequest(ctx, key!, slug!, id!)) };
    },
  },
  {
    method: 'GET',
    pattern: `${DC_PR}/changes`,
    handler: (ctx, [key, slug, id]) => {
      allowQuery(ctx, [...DC_PAGE_PARAMS, 'sinceId', 'untilId', 'changeScope', 'withComments']);
      const pr = findPullRequest(ctx, key!, slug!, id!);
      return pageOf(
        ctx,
        pr.changes.map((c) => ({
          contentId: '1111111',
          path: pathView(c.path),
          ...(c.status === 'renamed' ? { srcPath: pathView(c.oldPath ?? c.path) } : {}),
          executable: false,
          percentUnchanged: -1,
          type: TYPE[c.status],
          nodeType: 'FILE',
          properties: { gitChangeType: TYPE[c.status] },
        })),
      );
    },
  },
  {
    method: 'GET',
    pattern: `${DC_PR}/activities`,
    handler: (ctx, [key, slug, id]) => {
      allowQuery(ctx, [...DC_PAGE_PARAMS, 'fromId', 'fromType']);
      const pr = findPullRequest(ctx, key!, slug!, id!);
      const comments = ctx.state.commentsOf(pr.repo, pr.id).filter((c) => !c.deleted);
      return pageOf(
        ctx,
        comments
          .map((c) => ({
            id: c.id,
            createdDate: Date.parse(c.createdOn),
            user: dataCenterUserView(ctx.state.users.get(c.userUuid)!),
            action: 'COMMENTED',
            commentAction: 'ADDED',
            comment: dataCenterCommentView(ctx, c),
          }))
          .reverse(),
      );
    },
  },
  {
    method: 'PUT',
    pattern: `${DC_PR}/participants/:user`,
    handler: (ctx, [key, slug, id, userSlug]) => {
      allowQuery(ctx, ['version']);
      const pr = findPullRequest(ctx, key!, slug!, id!);
      const b = allowFields(ctx, ctx.body, ['status', 'lastReviewedCommit']);
      if (userSlug !== ctx.user.slug) throw forbidden('You can only change your own status.');
      if (!['APPROVED', 'NEEDS_WORK', 'UNAPPROVED'].includes(b.status)) throw badRequest('status: not a valid value.');
      if (pr.authorUuid === ctx.user.uuid)
        throw new BitbucketHttpError(409, 'The author of a pull request cannot change their own review status.');
      if (pr.state !== 'OPEN') throw new BitbucketHttpError(409, 'The pull request is not open.');
      if (b.status === 'UNAPPROVED') pr.participants.delete(ctx.user.uuid);
      else pr.participants.set(ctx.user.uuid, b.status === 'APPROVED' ? 'approved' : 'changes_requested');
      return {
        body: {
          user: dataCenterUserView(ctx.user),
          role: 'REVIEWER',
          approved: b.status === 'APPROVED',
          status: b.status,
          lastReviewedCommit: pr.sourceCommit,
        },
        wrote: true,
      };
    },
  },
];
