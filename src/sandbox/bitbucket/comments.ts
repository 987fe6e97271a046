// Pull request comments: list (10 a page by default, at most 100), read one, create (inline at a line the diff
// shows: `inline: {path, to}`; a reply: `parent: {id}`), edit (its author only), resolve a thread (`POST
// .../comments/{id}/resolve`, 409 when resolved already) and reopen it (`DELETE .../resolve`). The text is
// `content.raw` (Markdown).
import {
  allowFields,
  allowQuery,
  badRequest,
  BitbucketHttpError,
  forbidden,
  notFound,
  PAGE_PARAMS,
  paginate,
  type RequestContext,
  type Route,
} from './http.js';
import { findPullRequest } from './pullrequests.js';
import { inlinePlace, parentOf, setResolved } from './inline.js';
import type { BitbucketComment } from './state.js';
import { userView } from './users.js';

function commentView(ctx: RequestContext, c: BitbucketComment) {
  return {
    type: 'pullrequest_comment',
    id: c.id,
    content: { type: 'rendered', raw: c.raw, markup: 'markdown', html: '' },
    user: userView(ctx.state.users.get(c.userUuid)!),
    deleted: c.deleted,
    created_on: c.createdOn,
    updated_on: c.updatedOn,
    pullrequest: { type: 'pullrequest', id: c.prId },
    ...(c.inline ? { inline: { path: c.inline.path, to: c.inline.line, from: null } } : {}),
    ...(c.parentId !== undefined ? { parent: { id: c.parentId } } : {}),
    ...(c.resolvedBy ? { resolution: resolutionView(ctx, c) } : {}),
    links: { html: { href: `${ctx.url.origin}/${c.repo}/pull-requests/${c.prId}/_/diff#comment-${c.id}` } },
  };
}

const resolutionView = (ctx: RequestContext, c: BitbucketComment) => ({
  type: 'comment_resolution',
  user: userView(ctx.state.users.get(c.resolvedBy!)!),
  created_on: c.resolvedOn,
});

function rawOf(ctx: RequestContext): string {
  const body = allowFields(ctx, ctx.body, ['content', 'inline', 'parent']);
  const raw = (body.content as { raw?: unknown } | undefined)?.raw;
  if (typeof raw !== 'string' || !raw.trim()) throw badRequest('content.raw: This field is required.');
  return raw;
}

const C = 'repositories/:ws/:repo/pullrequests/:id/comments';

function findComment(ctx: RequestContext, [ws, slug, id, cid]: string[]) {
  const pr = findPullRequest(ctx, ws!, slug!, id!);
  const c = ctx.state.commentsOf(pr.repo, pr.id).find((x) => String(x.id) === cid && !x.deleted);
  if (!c) throw notFound('Comment not found');
  return c;
}

export const commentRoutes: Route[] = [
  {
    method: 'GET',
    pattern: C,
    handler: (ctx, [ws, slug, id]) => {
      allowQuery(ctx, [...PAGE_PARAMS, 'q', 'sort', 'fields']);
      const pr = findPullRequest(ctx, ws!, slug!, id!);
      return paginate(
        ctx,
        ctx.state.commentsOf(pr.repo, pr.id).map((c) => commentView(ctx, c)),
      );
    },
  },
  {
    method: 'GET',
    pattern: `${C}/:cid`,
    handler: (ctx, p) => {
      allowQuery(ctx, ['fields']);
      return { body: commentView(ctx, findComment(ctx, p)) };
    },
  },
  {
    method: 'POST',
    pattern: C,
    handler: (ctx, [ws, slug, id]) => {
      allowQuery(ctx, []);
      const pr = findPullRequest(ctx, ws!, slug!, id!);
      const raw = rawOf(ctx);
      const body = ctx.body as { inline?: { path?: unknown; to?: unknown }; parent?: unknown };
      const inline = body.inline;
      const parentId = parentOf(ctx, pr, body.parent);
      const at = ctx.state.now();
      const c: BitbucketComment = {
        id: ctx.state.id(),
        repo: pr.repo,
        prId: pr.id,
        raw,
        ...(inline !== undefined ? { inline: inlinePlace(pr, inline?.path, inline?.to) } : {}),
        ...(parentId !== undefined ? { parentId } : {}),
        userUuid: ctx.user.uuid,
        deleted: false,
        createdOn: at,
        updatedOn: at,
      };
      ctx.state.comments.push(c);
      return { status: 201, body: commentView(ctx, c), wrote: true };
    },
  },
  {
    method: 'PUT',
    pattern: `${C}/:cid`,
    handler: (ctx, p) => {
      allowQuery(ctx, []);
      const c = findComment(ctx, p);
      if (c.userUuid !== ctx.user.uuid) throw forbidden('You can only edit your own comments.');
      c.raw = rawOf(ctx);
      c.updatedOn = ctx.state.now();
      return { body: commentView(ctx, c), wrote: true };
    },
  },
  {
    method: 'POST',
    pattern: `${C}/:cid/resolve`,
    handler: (ctx, p) => {
      allowQuery(ctx, []);
      const c = findComment(ctx, p);
      if (c.resolvedBy) throw new BitbucketHttpError(409, 'This comment thread is already resolved.');
      setResolved(ctx, findPullRequest(ctx, p[0]!, p[1]!, p[2]!), c, true);
      return { body: resolutionView(ctx, c), wrote: true };
    },
  },
  {
    method: 'DELETE',
    pattern: `${C}/:cid/resolve`,
    handler: (ctx, p) => {
      allowQuery(ctx, []);
      const c = findComment(ctx, p);
      if (!c.resolvedBy) throw notFound('This comment thread is not resolved.');
      setResolved(ctx, findPullRequest(ctx, p[0]!, p[1]!, p[2]!), c, false);
      return { status: 204, body: undefined, wrote: true };
    },
  },
];
