// `GET /workspaces/{workspace}/permissions/repositories/{repo_slug}`: each account's permission on a
// repository, filtered by BBQL (`q`), for the workspace's admins (403 for anyone else). The sandbox reads
// the filters the product sends: `user.uuid="..."` and `user.nickname="..."`.
import { allowQuery, badRequest, forbidden, notFound, PAGE_PARAMS, paginate, type Route } from './http.js';
import { hasPermission } from './repositories.js';
import { userView } from './users.js';

export const permissionRoutes: Route[] = [
  {
    method: 'GET',
    pattern: 'workspaces/:ws/permissions/repositories/:repo',
    handler: (ctx, [ws, slug]) => {
      allowQuery(ctx, [...PAGE_PARAMS, 'q', 'sort', 'fields']);
      const r = ctx.state.repositories.get(`${ws}/${slug}`);
      if (!r) throw notFound(`Repository ${ws}/${slug} not found`);
      if (!hasPermission(ctx, r, 'admin'))
        throw forbidden('Your credentials lack one or more required privilege scopes.');
      let rows = [...r.permissions].map(([uuid, permission]) => ({ user: ctx.state.users.get(uuid)!, permission }));
      if (ctx.query.q !== undefined) {
        const m = /^user\.(uuid|nickname)\s*=\s*"((?:[^"\\]|\\.)*)"$/.exec(ctx.query.q.trim());
        if (!m) throw badRequest(`Invalid query: ${ctx.query.q}`);
        const value = m[2]!.replace(/\\(.)/g, '$1');
        rows = rows.filter((x) => (m[1] === 'uuid' ? x.user.uuid : x.user.nickname) === value);
      }
      return paginate(
        ctx,
        rows.map((x) => ({
          type: 'repository_permission',
          permission: x.permission,
          user: userView(x.user),
          repository: { type: 'repository', full_name: `${ws}/${slug}` },
        })),
      );
    },
  },
];
