// Data Center's users: `GET /api/1.0/users` filtered by name (`filter`, a case-insensitive part of the name,
// display name or e-mail) and by an effective repository permission (`permission=REPO_WRITE` with
// `permission.projectKey` and `permission.repositorySlug`, or the same under `permission.N`); and
// `GET /api/1.0/application-properties`, which any authenticated user may read (its answer, like every
// answer, names the user in `X-AUSERNAME`); and a group's members, `GET /api/1.0/admin/groups/more-members`
// (`context`: the group; `filter`: part of a member's name; any licensed user may ask, not only admins).
import { allowQuery, badRequest, DC_PAGE_PARAMS, notFound, pageOf, type RequestContext, type Route } from './http.js';
import type { BitbucketUser, RepoPermission } from './state.js';

export const dataCenterUserView = (u: BitbucketUser) => ({
  name: u.nickname,
  emailAddress: `${u.slug}@example.test`,
  active: true,
  displayName: u.displayName,
  id: u.id,
  slug: u.slug,
  type: u.type === 'app_user' ? 'SERVICE' : 'NORMAL',
});

/** Data Center's `filter`: part of the user's name, display name or e-mail address, any case. */
const named = (u: BitbucketUser, text: string) =>
  [u.nickname, u.displayName, `${u.slug}@example.test`].some((s) => s.toLowerCase().includes(text));

const REPO_PERMISSIONS: Record<string, RepoPermission> = {
  REPO_READ: 'read',
  REPO_WRITE: 'write',
  REPO_ADMIN: 'admin',
};
const RANK: Record<RepoPermission, number> = { read: 1, write: 2, admin: 3 };

/** The permission filters of the query (`permission`, `permission.N`), each a repository's least permission. */
function permissionFilters(ctx: RequestContext) {
  const roots = Object.keys(ctx.query).filter((k) => /^permission(\.\d+)?$/.test(k));
  const known = (k: string) =>
    roots.includes(k) ||
    /^permission(\.\d+)?\.(projectKey|repositorySlug)$/.test(k) ||
    ['filter', 'group', ...DC_PAGE_PARAMS].includes(k);
  allowQuery(ctx, Object.keys(ctx.query).filter(known));
  return roots.map((root) => {
    const least = REPO_PERMISSIONS[ctx.query[root]!];
    const project = ctx.query[`${root}.projectKey`];
    const slug = ctx.query[`${root}.repositorySlug`];
    if (!least || !project || !slug)
      throw badRequest(`${root}: the sandbox knows repository permissions named with projectKey and repositorySlug`);
    return { least, repo: `${project}/${slug}` };
  });
}

export const dataCenterUserRoutes: Route[] = [
  {
    method: 'GET',
    pattern: 'api/1.0/application-properties',
    handler: (ctx) => {
      allowQuery(ctx, []);
      return {
        body: { version: '8.19.0', buildNumber: '8019000', buildDate: '1700000000000', displayName: 'Bitbucket' },
      };
    },
  },
  {
    method: 'GET',
    pattern: 'api/1.0/users',
    handler: (ctx) => {
      const filters = permissionFilters(ctx);
      const text = (ctx.query.filter ?? '').toLowerCase();
      const users = [...ctx.state.users.values()].filter(
        (u) =>
          named(u, text) &&
          filters.every((f) => {
            const p = ctx.state.repositories.get(f.repo)?.permissions.get(u.uuid);
            return p !== undefined && RANK[p] >= RANK[f.least];
          }),
      );
      return pageOf(ctx, users.map(dataCenterUserView));
    },
  },
  {
    method: 'GET',
    pattern: 'api/1.0/admin/groups/more-members',
    handler: (ctx) => {
      allowQuery(ctx, ['context', 'filter', ...DC_PAGE_PARAMS]);
      const group = ctx.query.context;
      if (!group) throw badRequest('context: the group whose members are listed is required');
      const members = ctx.state.groups.get(group);
      if (!members) throw notFound(`Group ${group} does not exist.`);
      const text = (ctx.query.filter ?? '').toLowerCase();
      const users = [...members].map((uuid) => ctx.state.users.get(uuid)!).filter((u) => named(u, text));
      return pageOf(ctx, users.map(dataCenterUserView));
    },
  },
];
