// Commit build statuses: `POST .../commit/{commit}/statuses/build` creates a status, or overwrites the one of
// the same `key`; read one by key; list a commit's statuses (paged). `key`, `state` and `url` are required.
import {
  allowFields,
  allowQuery,
  badRequest,
  checkText,
  forbidden,
  notFound,
  PAGE_PARAMS,
  paginate,
  type RequestContext,
  type Route,
} from './http.js';
import { commitAt, hasPermission } from './repositories.js';
import type { BitbucketBuildStatus } from './state.js';

/** Stores a build status on the commit, or overwrites the one of the same key (its states kept in `history`). */
export function storeStatus(
  ctx: RequestContext,
  repo: string,
  commit: string,
  b: Record<string, any>,
): { s: BitbucketBuildStatus; created: boolean } {
  const at = ctx.state.now();
  let s = ctx.state.statuses.find((x) => x.repo === repo && x.commit === commit && x.key === b.key);
  const created = !s;
  s ??= {
    repo,
    commit,
    key: b.key,
    state: b.state,
    name: '',
    url: '',
    description: '',
    createdOn: at,
    updatedOn: at,
    history: [],
  };
  Object.assign(s, {
    state: b.state,
    name: b.name ?? b.key,
    url: b.url,
    description: b.description ?? '',
    updatedOn: at,
  });
  s.history.push(b.state);
  if (created) ctx.state.statuses.push(s);
  return { s, created };
}

export const BUILD_STATES = ['INPROGRESS', 'SUCCESSFUL', 'FAILED', 'STOPPED'];

function statusView(s: BitbucketBuildStatus) {
  return {
    type: 'build',
    key: s.key,
    state: s.state,
    name: s.name,
    url: s.url,
    description: s.description,
    refname: null,
    created_on: s.createdOn,
    updated_on: s.updatedOn,
    commit: { type: 'commit', hash: s.commit },
  };
}

const S = 'repositories/:ws/:repo/commit/:commit/statuses';

export const statusRoutes: Route[] = [
  {
    method: 'POST',
    pattern: `${S}/build`,
    handler: (ctx, p) => {
      allowQuery(ctx, []);
      const { r, commit, repo } = commitAt(ctx, p);
      if (!hasPermission(ctx, r, 'write')) throw forbidden();
      const b = allowFields(ctx, ctx.body, ['key', 'state', 'name', 'url', 'description', 'refname', 'type']);
      for (const f of ['key', 'state', 'url']) checkText(b[f], `${f}: This field is required.`, { required: true });
      if (!BUILD_STATES.includes(b.state)) throw badRequest(`state: "${b.state}" is not a valid choice.`);
      if (b.key.length > 255 || (b.name ?? '').length > 255) throw badRequest('key or name: too long (255 at most).');
      if (!/^https?:\/\//.test(b.url)) throw badRequest('url: Enter a valid URL.');
      const { s, created } = storeStatus(ctx, repo, commit, b);
      return { status: created ? 201 : 200, body: statusView(s), wrote: true };
    },
  },
  {
    method: 'GET',
    pattern: `${S}/build/:key`,
    handler: (ctx, p) => {
      allowQuery(ctx, ['fields']);
      const { commit, repo } = commitAt(ctx, p);
      const s = ctx.state.statuses.find((x) => x.repo === repo && x.commit === commit && x.key === p[3]);
      if (!s) throw notFound('Build status not found');
      return { body: statusView(s) };
    },
  },
  {
    method: 'GET',
    pattern: S,
    handler: (ctx, p) => {
      allowQuery(ctx, [...PAGE_PARAMS, 'q', 'sort', 'refname', 'fields']);
      const { commit, repo } = commitAt(ctx, p);
      return paginate(ctx, ctx.state.statuses.filter((x) => x.repo === repo && x.commit === commit).map(statusView));
    },
  },
];
