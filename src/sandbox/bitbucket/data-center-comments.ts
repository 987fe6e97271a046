// Data Center's pull request comments: add one (`text`; inline with `anchor: {path, line, lineType, fileType:
// TO}` at a line the diff shows; a reply with `parent: {id}`), read one, edit one (naming the `version` it
// read: an older one is 409, as Data Center answers a stale edit): its text by its author only, a thread's
// `threadResolved` (Data Center 8.x) by the pull request's author or whoever may write to the repository. A
// comment shows its replies nested (`comments`) and its thread's resolution (`threadResolved`,
// `threadResolver`, `threadResolvedDate`: what Atlassian documents, see data-center.ts; `state` is a task's,
// OPEN here). The listing is the pull request's activity (data-center-pullrequests.ts): Data Center
// lists a pull request's comments by file only.
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
import { inlinePlace, parentOf, setResolved } from './inline.js';
import type { BitbucketComment, BitbucketPullRequest } from './state.js';

export function dataCenterCommentView(ctx: RequestContext, c: BitbucketComment): Record<string, unknown> {
  const replies = ctx.state.commentsOf(c.repo, c.prId).filter((r) => r.parentId === c.id && !r.deleted);
  return {
    properties: { repositoryId: 1 },
    id: c.id,
    version: c.version ?? 0,
    text: c.raw,
    author: dataCenterUserView(ctx.state.users.get(c.userUuid)!),
    createdDate: Date.parse(c.createdOn),
    updatedDate: Date.parse(c.updatedOn),
    comments: replies.map((r) => dataCenterCommentView(ctx, r)),
    severity: 'NORMAL',
    state: 'OPEN',
    ...(c.inline
      ? {
          anchor: {
            path: c.inline.path,
            line: c.inline.line,
            lineType: 'ADDED',
            fileType: 'TO',
            diffType: 'EFFECTIVE',
          },
        }
      : {}),
    ...(c.parentId === undefined
      ? {
          threadResolved: c.resolvedBy !== undefined,
          ...(c.resolvedBy
            ? {
                threadResolver: dataCenterUserView(ctx.state.users.get(c.resolvedBy)!),
                threadResolvedDate: Date.parse(c.resolvedOn!),
              }
            : {}),
        }
      : {}),
  };
}

const body0 = (ctx: RequestContext) => (ctx.body ?? {}) as Record<string, unknown>;

const C = 'api/1.0/projects/:key/repos/:slug/pull-requests/:id/comments';

function textOf(ctx: RequestContext, fields: string[], optional = false) {
  const body: Record<string, any> = allowFields(ctx, ctx.body, fields);
  if (optional && body.text === undefined) return { text: undefined, body };
  if (typeof body.text !== 'string' || !body.text.trim()) throw badRequest('text: A comment must have some text.');
  return { text: body.text as string, body };
}

/** An anchor on the pull request's diff (`fileType: TO`, the new side; `diffType` EFFECTIVE, its default). */
function anchorOf(pr: BitbucketPullRequest, a: unknown) {
  const anchor = (a ?? {}) as Record<string, unknown>;
  if (anchor.fileType !== 'TO') throw badRequest('anchor.fileType: TO is the only side this diff anchors to.');
  if (anchor.diffType !== undefined && anchor.diffType !== 'EFFECTIVE')
    throw badRequest(`anchor.diffType: ${String(anchor.diffType)} is not supported here.`);
  if (!['ADDED', 'CONTEXT'].includes(anchor.lineType as string))
    throw badRequest('anchor.lineType: ADDED or CONTEXT on the new side.');
  return inlinePlace(pr, anchor.path, anchor.line, anchor.lineType);
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
      const { text, body } = textOf(ctx, ['text', 'parent', 'anchor', 'severity', 'state', 'properties']);
      const inline = body.anchor !== undefined ? anchorOf(pr, body.anchor) : undefined;
      const parentId = parentOf(ctx, pr, body.parent);
      const at = ctx.state.now();
      const c: BitbucketComment = {
        id: ctx.state.id(),
        repo: pr.repo,
        prId: pr.id,
        raw: text!,
        userUuid: ctx.user.uuid,
        deleted: false,
        createdOn: at,
        updatedOn: at,
        version: 0,
        ...(inline ? { inline } : {}),
        ...(parentId !== undefined ? { parentId } : {}),
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
      const fields = ['text', 'version', 'severity', 'state', 'properties', 'threadResolved'];
      const { text, body } = textOf(ctx, fields, body0(ctx).threadResolved !== undefined);
      if (text !== undefined && c.userUuid !== ctx.user.uuid)
        throw forbidden('You are not permitted to edit the text of this comment.');
      if (body.version !== (c.version ?? 0))
        throw new BitbucketHttpError(
          409,
          `You are attempting to modify a comment based on out-of-date information (version ${body.version}, now ${c.version ?? 0}).`,
        );
      if (body.threadResolved !== undefined) {
        if (typeof body.threadResolved !== 'boolean') throw badRequest('threadResolved: true or false.');
        setResolved(ctx, findPullRequest(ctx, p[0]!, p[1]!, p[2]!), c, body.threadResolved);
      }
      if (text !== undefined) c.raw = text;
      c.version = (c.version ?? 0) + 1;
      c.updatedOn = ctx.state.now();
      return { body: dataCenterCommentView(ctx, c), wrote: true };
    },
  },
];
