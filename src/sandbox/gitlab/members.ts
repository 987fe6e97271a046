// Members of projects and groups, with access levels (Guest 10 ... Owner 50): `/members/all/:user_id`
// counts membership inherited from parent groups, `/members/:user_id` only direct membership. A user who
// is not a member is `404 Not found`; an unknown group is `404 Group Not Found`.
import { checkParams, notFound, PAGINATION, paginate, type RequestContext, type Route } from './http.js';
import { findProject } from './projects.js';
import type { GitLabGroup, GitLabUser } from './state.js';
import { userBasic, webBase } from './users.js';

function memberView(ctx: RequestContext, user: GitLabUser, level: number) {
  return {
    ...userBasic(user, webBase(ctx)),
    access_level: level,
    created_at: '2020-01-01T00:00:00.000Z',
    expires_at: null,
    membership_state: 'active',
  };
}

export function findGroup(ctx: RequestContext, idOrPath: string): GitLabGroup {
  const g = /^\d+$/.test(idOrPath) ? ctx.state.groups.get(Number(idOrPath)) : ctx.state.groupByPath(idOrPath);
  if (!g) throw notFound('Group');
  return g;
}

function member(ctx: RequestContext, userId: string, level: (id: number) => number | undefined) {
  const user = /^\d+$/.test(userId) ? ctx.state.users.get(Number(userId)) : undefined;
  const l = user ? level(user.id) : undefined;
  if (!user || l === undefined) throw notFound();
  return { body: memberView(ctx, user, l) };
}

export const memberRoutes: Route[] = [
  // The list comes before `members/:user_id`, which would otherwise take `all` for a user id.
  {
    method: 'GET',
    pattern: 'projects/:id/members/all',
    handler: (ctx, [id]) => {
      const p = checkParams(ctx, { ...PAGINATION, query: { type: 'string' }, user_ids: { type: 'integers' } });
      const project = findProject(ctx, id!);
      let list = [...ctx.state.users.values()]
        .map((u) => [u, ctx.state.accessLevel(project, u.id)] as const)
        .filter((x): x is readonly [GitLabUser, number] => x[1] !== undefined);
      if (p.query !== undefined) list = list.filter(([u]) => u.username.includes(p.query) || u.name.includes(p.query));
      if (p.user_ids !== undefined) list = list.filter(([u]) => (p.user_ids as number[]).includes(u.id));
      const page = paginate(
        list.map(([u, l]) => memberView(ctx, u, l)),
        ctx,
      );
      return { body: page.body, headers: page.headers };
    },
  },
  {
    method: 'GET',
    pattern: 'projects/:id/members/all/:user_id',
    handler: (ctx, [id, userId]) => {
      checkParams(ctx, {});
      const project = findProject(ctx, id!);
      return member(ctx, userId!, (u) => ctx.state.accessLevel(project, u));
    },
  },
  {
    method: 'GET',
    pattern: 'projects/:id/members/:user_id',
    handler: (ctx, [id, userId]) => {
      checkParams(ctx, {});
      const project = findProject(ctx, id!);
      return member(ctx, userId!, (u) => project.members.get(u));
    },
  },
  {
    method: 'GET',
    pattern: 'groups/:id',
    handler: (ctx, [id]) => {
      checkParams(ctx, { with_projects: { type: 'boolean' } });
      const g = findGroup(ctx, id!);
      const parent = ctx.state.groupByPath(g.fullPath.split('/').slice(0, -1).join('/'));
      return {
        body: {
          id: g.id,
          name: g.fullPath.split('/').at(-1),
          path: g.fullPath.split('/').at(-1),
          full_path: g.fullPath,
          parent_id: parent?.id ?? null,
          web_url: `${webBase(ctx)}/groups/${g.fullPath}`,
        },
      };
    },
  },
  {
    method: 'GET',
    pattern: 'groups/:id/members/all/:user_id',
    handler: (ctx, [id, userId]) => {
      checkParams(ctx, {});
      const g = findGroup(ctx, id!);
      return member(ctx, userId!, (u) => ctx.state.groupAccessLevel(g, u));
    },
  },
  {
    method: 'GET',
    pattern: 'groups/:id/members/:user_id',
    handler: (ctx, [id, userId]) => {
      checkParams(ctx, {});
      const g = findGroup(ctx, id!);
      return member(ctx, userId!, (u) => g.members.get(u));
    },
  },
];
