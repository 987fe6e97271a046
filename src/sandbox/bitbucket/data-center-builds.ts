// Data Center's build statuses on a commit (7.4+): `POST /api/1.0/projects/{key}/repos/{slug}/commits/{sha}/builds`
// stores one (`key`, `state`, `url` required; 204), overwriting the one of the same key; `GET ...?key=` reads
// one (7.14+; 404 when there is none). States: INPROGRESS, SUCCESSFUL, FAILED, CANCELLED, UNKNOWN.
import { allowFields, allowQuery, badRequest, checkText, notFound, type Route } from './http.js';
import { commitAt } from './repositories.js';
import { storeStatus } from './statuses.js';
import type { BitbucketBuildStatus } from './state.js';

export const DC_BUILD_STATES = ['INPROGRESS', 'SUCCESSFUL', 'FAILED', 'CANCELLED', 'UNKNOWN'];
const FIELDS = [
  'key',
  'state',
  'url',
  'name',
  'description',
  'buildNumber',
  'duration',
  'lastUpdated',
  'parent',
  'ref',
  'testResults',
];

const B = 'api/1.0/projects/:key/repos/:slug/commits/:commit/builds';

const view = (s: BitbucketBuildStatus) => ({
  key: s.key,
  state: s.state,
  name: s.name,
  url: s.url,
  description: s.description,
  createdDate: Date.parse(s.createdOn),
  updatedDate: Date.parse(s.updatedOn),
});

export const dataCenterBuildRoutes: Route[] = [
  {
    method: 'POST',
    pattern: B,
    handler: (ctx, p) => {
      allowQuery(ctx, []);
      const { commit, repo } = commitAt(ctx, p);
      const b = allowFields(ctx, ctx.body, FIELDS);
      for (const f of ['key', 'state', 'url']) checkText(b[f], `${f} must be provided`, { required: true });
      if (!DC_BUILD_STATES.includes(b.state)) throw badRequest(`state: "${b.state}" is not a valid state`);
      if (b.key.length > 255 || (b.name ?? '').length > 255)
        throw badRequest('key and name are at most 255 characters');
      if (b.url.length > 450 || !/^https?:\/\//.test(b.url))
        throw badRequest('url must be an http(s) URL of at most 450 characters');
      storeStatus(ctx, repo, commit, b);
      return { status: 204, body: undefined, wrote: true };
    },
  },
  {
    method: 'GET',
    pattern: B,
    handler: (ctx, p) => {
      allowQuery(ctx, ['key']);
      if (!ctx.query.key) throw badRequest('key must be provided');
      const { commit, repo } = commitAt(ctx, p);
      const s = ctx.state.statuses.find((x) => x.repo === repo && x.commit === commit && x.key === ctx.query.key);
      if (!s) throw notFound(`No build status with key ${ctx.query.key} exists on commit ${commit}.`);
      return { body: view(s) };
    },
  },
];
