// Users: `GET /user` (the token's own identity, how a bot learns who it is) and `GET /users?username=`.
import { checkParams, notFound, paginate, PAGINATION, type RequestContext, type Route } from './http.js';
import type { GitLabState, GitLabUser } from './state.js';

/** The basic user object GitLab embeds as `author`, `user` and list items. */
export function userBasic(u: GitLabUser, base: string) {
  return {
    id: u.id,
    username: u.username,
    name: u.name,
    state: u.state,
    locked: false,
    avatar_url: null,
    web_url: `${base}/${u.username}`,
  };
}

export function userById(state: GitLabState, id: number, base: string) {
  const u = state.users.get(id);
  return u ? userBasic(u, base) : null;
}

export const webBase = (ctx: RequestContext) => `${ctx.url.protocol}//${ctx.url.host}`;

export const userRoutes: Route[] = [
  {
    method: 'GET',
    pattern: 'user',
    handler: (ctx) => {
      checkParams(ctx, {});
      return {
        body: { ...userBasic(ctx.user, webBase(ctx)), bot: ctx.user.bot, created_at: '2020-01-01T00:00:00.000Z' },
      };
    },
  },
  {
    method: 'GET',
    pattern: 'users',
    handler: (ctx) => {
      const p = checkParams(ctx, { ...PAGINATION, username: { type: 'string' }, search: { type: 'string' } });
      let list = [...ctx.state.users.values()];
      if (p.username !== undefined) list = list.filter((u) => u.username.toLowerCase() === p.username.toLowerCase());
      if (p.search !== undefined) list = list.filter((u) => u.username.includes(p.search) || u.name.includes(p.search));
      const page = paginate(
        list.map((u) => userBasic(u, webBase(ctx))),
        ctx,
      );
      return { body: page.body, headers: page.headers };
    },
  },
  {
    method: 'GET',
    pattern: 'users/:id',
    handler: (ctx, [id]) => {
      checkParams(ctx, {});
      const u = /^\d+$/.test(id!) ? ctx.state.users.get(Number(id)) : undefined;
      if (!u) throw notFound('User');
      return { body: userBasic(u, webBase(ctx)) };
    },
  },
];
