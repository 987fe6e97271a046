// `GET .../src/{commit}/{path}`: a file's raw content at a commit (404 for a path it does not have).
import { allowQuery, notFound, type Route } from './http.js';
import { findCommit, findRepository } from './repositories.js';

export const srcRoutes: Route[] = [
  {
    method: 'GET',
    pattern: 'repositories/:ws/:repo/src/:commit/*',
    handler: (ctx, [ws, slug, hash, path]) => {
      allowQuery(ctx, ['format', 'q', 'sort', 'max_depth']);
      const r = findRepository(ctx, ws!, slug!);
      const content = r.files.get(`${findCommit(ctx, r, hash!)}:${path}`);
      if (content === undefined) throw notFound(`No such file or directory: ${path}`);
      return { body: content, type: 'text/plain' };
    },
  },
];
