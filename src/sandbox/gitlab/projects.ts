// Projects: `GET /projects/:id`, by numeric id or URL-encoded full path (`group%2Fproject`), and the lookups
// every project-scoped resource shares: a project the user cannot see is 404, exactly as one that does not
// exist (GitLab does not reveal private projects), and an action above the user's role is 403.
import { checkParams, forbidden, notFound, type RequestContext, type Route } from './http.js';
import { ACCESS, type GitLabMergeRequest, type GitLabProject } from './state.js';
import { webBase } from './users.js';

export function findProject(ctx: RequestContext, idOrPath: string): GitLabProject {
  const project = ctx.state.project(idOrPath);
  if (!project || !canRead(ctx, project)) throw notFound('Project');
  return project;
}

function canRead(ctx: RequestContext, project: GitLabProject): boolean {
  if (project.visibility !== 'private') return true;
  return (ctx.state.accessLevel(project, ctx.user.id) ?? 0) >= ACCESS.guest;
}

/** 403 unless the user has at least `level` on the project (public projects count as Guest for everyone). */
export function requireAccess(ctx: RequestContext, project: GitLabProject, level: number): void {
  const own = ctx.state.accessLevel(project, ctx.user.id) ?? (project.visibility === 'private' ? 0 : ACCESS.guest);
  if (own < level) throw forbidden();
}

export function findMergeRequest(ctx: RequestContext, project: GitLabProject, iid: string): GitLabMergeRequest {
  const mr = /^\d+$/.test(iid) ? ctx.state.mergeRequest(project, Number(iid)) : undefined;
  if (!mr) throw notFound();
  return mr;
}

export function projectView(ctx: RequestContext, p: GitLabProject) {
  const parts = p.pathWithNamespace.split('/');
  const namespace = parts.slice(0, -1).join('/');
  const group = ctx.state.groupByPath(namespace);
  return {
    id: p.id,
    name: parts.at(-1),
    path: parts.at(-1),
    path_with_namespace: p.pathWithNamespace,
    name_with_namespace: parts.join(' / '),
    default_branch: p.defaultBranch,
    visibility: p.visibility,
    web_url: `${webBase(ctx)}/${p.pathWithNamespace}`,
    namespace: {
      id: group?.id ?? ctx.state.userByUsername(namespace)?.id ?? 0,
      name: parts.at(-2),
      path: parts.at(-2),
      kind: group ? 'group' : 'user',
      full_path: namespace,
    },
  };
}

export const projectRoutes: Route[] = [
  {
    method: 'GET',
    pattern: 'projects/:id',
    handler: (ctx, [id]) => {
      checkParams(ctx, { statistics: { type: 'boolean' }, license: { type: 'boolean' } });
      return { body: projectView(ctx, findProject(ctx, id!)) };
    },
  },
];
