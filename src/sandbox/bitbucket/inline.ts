// Where an inline comment may go, as Bitbucket checks it: a file the pull request changes, at a line its diff
// shows on the new side (Data Center's `lineType: ADDED` an added line, `CONTEXT` an unchanged one); and what
// a thread is: a top-level comment, its replies, resolved as a whole by its top-level comment.
import { badRequest, forbidden, type RequestContext } from './http.js';
import { hasPermission } from './repositories.js';
import type { BitbucketComment, BitbucketPullRequest } from './state.js';

/** The new-side lines of `path`'s hunks: every one shown, and the added ones; undefined when not changed. */
export function diffLines(pr: BitbucketPullRequest, path: string) {
  const change = pr.changes.find((c) => c.path === path && c.status !== 'removed');
  if (!change) return undefined;
  const shown = new Set<number>();
  const added = new Set<number>();
  let line = 0;
  for (const l of change.patch.split('\n')) {
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(l);
    if (hunk) line = Number(hunk[1]);
    else if (line && l.startsWith('+')) {
      shown.add(line);
      added.add(line++);
    } else if (line && (l.startsWith(' ') || l === '')) shown.add(line++);
  }
  return { shown, added };
}

/** The place of an inline comment, or a 400 naming what Bitbucket would refuse. */
export function inlinePlace(pr: BitbucketPullRequest, path: unknown, line: unknown, lineType?: unknown) {
  if (typeof path !== 'string' || !path) throw badRequest('inline.path: This field is required.');
  if (!Number.isInteger(line) || (line as number) < 1) throw badRequest('inline.to: a line number is required.');
  const lines = diffLines(pr, path);
  if (!lines) throw badRequest(`${path} is not changed by this pull request.`);
  const n = line as number;
  const ok =
    lineType === 'ADDED'
      ? lines.added.has(n)
      : lineType === 'CONTEXT'
        ? lines.shown.has(n) && !lines.added.has(n)
        : lines.shown.has(n);
  if (!ok)
    throw badRequest(`Line ${n} of ${path} is not part of the diff${lineType ? ` as ${String(lineType)}` : ''}.`);
  return { path, line: n };
}

/** The comment `parent.id` names on the pull request (a reply's parent), or a 400. */
export function parentOf(ctx: RequestContext, pr: BitbucketPullRequest, parent: unknown): number | undefined {
  if (parent === undefined) return undefined;
  const id = (parent as { id?: unknown } | null)?.id;
  if (!ctx.state.commentsOf(pr.repo, pr.id).some((c) => c.id === id && !c.deleted))
    throw badRequest('parent.id: no such comment on this pull request.');
  return id as number;
}

/**
 * Resolves (or reopens) the thread `c` starts, for the pull request's author or someone who may write to the
 * repository; a reply cannot be resolved (its thread's top comment can).
 */
export function setResolved(ctx: RequestContext, pr: BitbucketPullRequest, c: BitbucketComment, resolved: boolean) {
  const repo = ctx.state.repositories.get(pr.repo)!;
  if (pr.authorUuid !== ctx.user.uuid && !hasPermission(ctx, repo, 'write'))
    throw forbidden('You do not have permission to resolve this comment.');
  if (c.parentId !== undefined) throw badRequest('Only a top-level comment (its thread) can be resolved.');
  if (resolved) Object.assign(c, { resolvedBy: ctx.user.uuid, resolvedOn: ctx.state.now() });
  else {
    delete c.resolvedBy;
    delete c.resolvedOn;
  }
}
