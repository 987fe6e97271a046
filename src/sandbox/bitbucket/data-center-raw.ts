// Data Center's `GET /api/1.0/projects/{key}/repos/{slug}/raw/{path}?at={commit}`: a file's raw content at a
// commit (404 for a path it does not have).
import { allowQuery, badRequest, notFound, type Route } from './http.js';
import { findCommit, findRepository } from './repositories.js';

export const dataCenterRawRoutes: Route[] = [
  {
    method: 'GET',
    pattern: 'api/1.0/projects/:key/repos/:slug/raw/*',
    handler: (ctx, [key, slug, path]) => {
      allowQuery(ctx, ['at', 'markup', 'htmlEscape', 'includeHeadingId', 'hardwrap']);
      const r = findRepository(ctx, key!, slug!);
      if (!ctx.query.at) throw badRequest('the sandbox reads files at a commit: give at');
      const content = r.files.get(`${findCommit(ctx, r, ctx.query.at)}:${path}`);
      if (content === undefined) throw notFound(`The path "${path}" does not exist at revision "${ctx.query.at}"`);
      return { body: content, type: 'text/plain' };
    },
  },
];
