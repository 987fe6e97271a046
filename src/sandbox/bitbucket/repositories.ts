// Repositories as routes find them: an unknown repository, or one the account has no permission on, is 404
// as Bitbucket answers for a private repository; a commit is named by its full or abbreviated hash.
import { notFound, type RequestContext } from './http.js';
import type { BitbucketRepository, RepoPermission } from './state.js';

const RANK: Record<RepoPermission, number> = { read: 1, write: 2, admin: 3 };

export function findRepository(ctx: RequestContext, workspace: string, slug: string): BitbucketRepository {
  const r = ctx.state.repositories.get(`${workspace}/${slug}`);
  if (!r || !r.permissions.has(ctx.user.uuid)) throw notFound(`Repository ${workspace}/${slug} not found`);
  return r;
}

export function hasPermission(ctx: RequestContext, r: BitbucketRepository, least: RepoPermission): boolean {
  const p = r.permissions.get(ctx.user.uuid);
  return p !== undefined && RANK[p] >= RANK[least];
}

export function findCommit(ctx: RequestContext, r: BitbucketRepository, hash: string): string {
  const full = ctx.state.resolveCommit(r, hash);
  if (!full) throw notFound(`Commit not found`);
  return full;
}

/** The repository, its `owner/slug` and the full commit a route's `[owner, slug, hash]` name (404 when unknown). */
export function commitAt(ctx: RequestContext, [owner, slug, hash]: string[]) {
  const r = findRepository(ctx, owner!, slug!);
  return { r, repo: `${owner}/${slug}`, commit: findCommit(ctx, r, hash!) };
}
