// Data Center's pull request comments: add one (`text`), read one, edit one (its author only, naming the
// `version` it read: an older one is 409, as Data Center answers a stale edit). The listing is the pull
// request's activity (data-center-pullrequests.ts): Data Center lists a pull request's comments by file only.
import {
  allowFields,
  allowQuery,
  badRequest,
  BitbucketHttpError,
  forbidden,
  notFound,
  type RequestContext,
  type Route,
} from './http.js';
import { dataCenterUserView } from './data-center-users.js';
import { findPullRequest } from './pullrequests.js';
import type { BitbucketComment } from './state.js';

export function dataCenterCommentView(ctx: RequestContext, c: BitbucketComment) {
  return {
    properties: { repositoryId: 1 },
    id: c.id,
    version: c.version ?? 0,
    text: c.raw,
    author: dataCenterUserView(ctx.state.users.get(c.userUuid)!),
    createdDate: Date.parse(c.createdOn),
    updatedDate: Date.parse(c.updatedOn),
    comments: [],
    severity: 'NORMAL',
    state: 'OPEN',
  };
}

const C = 'api/1.0/projects/:key/repos/:slug/pull-requests/:id/comments';

function textOf(ctx: RequestContext, fields: string[]): { text: string; body: Record<string, any> } {
  const body = allowFields(ctx, ctx.body, fields);
  if (typeof body.text !== 'string' || !body.text.trim()) throw badRequest('text: A comment must have some text.');
  return { text: body.text, body };
}

function findComment(ctx: RequestContext, [key, slug, id, cid]: string[]) {
  const pr = findPullRequest(ctx, key!, slug!, id!);
  const c = ctx.state.commentsOf(pr.repo, pr.id).find((x) => String(x.id) === cid && !x.deleted);
  if (!c) throw notFound(`Comment ${cid} does not exist.`);
  return c;
}

export const dataCenterCommentRoutes: Route[] = [
  {
    method: 'POST',
    pattern: C,
    handler: (ctx, [key, slug, id]) => {
      allowQuery(ctx, []);
      const pr = findPullRequest(ctx, key!, slug!, id!);
      const { text } = textOf(ctx, ['text', 'parent', 'anchor', 'severity', 'state', 'properties']);
      const at = ctx.state.now();
      const c: BitbucketComment = {
        id: ctx.state.id(),
        repo: pr.repo,
        prId: pr.id,
        raw: text,
        userUuid: ctx.user.uuid,
        deleted: false,
        createdOn: at,
        updatedOn: at,
        version: 0,
      };
      ctx.state.comments.push(c);
      return { status: 201, body: dataCenterCommentView(ctx, c), wrote: true };
    },
  },
  {
    method: 'GET',
    pattern: `${C}/:cid`,
    handler: (ctx, p) => {
      allowQuery(ctx, []);
      return { body: dataCenterCommentView(ctx, findComment(ctx, p)) };
    },
  },
  {
    method: 'PUT',
    pattern: `${C}/:cid`,
    handler: (ctx, p) => {
      allowQuery(ctx, []);
      const c = findComment(ctx, p);
      const { text, body } = textOf(ctx, ['text', 'version', 'severity', 'state', 'properties']);
      if (c.userUuid !== ctx.user.uuid) throw forbidden('You are not permitted to edit the text of this comment.');
      if (body.version !== (c.version ?? 0))
        throw new BitbucketHttpError(
          409,
          `You are attempting to modify a comment based on out-of-date information (version ${body.version}, now ${c.version ?? 0}).`,
        );
      c.raw = text;
      c.version = (c.version ?? 0) + 1;
      c.updatedOn = ctx.state.now();
      return { body: dataCenterCommentView(ctx, c), wrote: true };
    },
  },
];
