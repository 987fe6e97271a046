// Merge requests: the MR itself (with diff_refs), its changed files (`/diffs` paginated, the older
// `/changes` in one answer), label edits through `PUT` (add_labels, remove_labels, labels), and approvals.
import {
  badRequest,
  checkParams,
  GitLabHttpError,
  PAGINATION,
  paginate,
  type RequestContext,
  type Route,
} from './http.js';
import { findMergeRequest, findProject, requireAccess } from './projects.js';
import { ACCESS, type GitLabMergeRequest } from './state.js';
import { userById, webBase } from './users.js';

/** GitLab's limit on a label's title. */
export const LABEL_MAX = 255;

export function mergeRequestView(ctx: RequestContext, mr: GitLabMergeRequest) {
  const p = ctx.state.projects.get(mr.projectId)!;
  const base = webBase(ctx);
  return {
    id: mr.id,
    iid: mr.iid,
    project_id: mr.projectId,
    title: mr.title,
    description: mr.description,
    state: mr.state,
    draft: mr.draft,
    work_in_progress: mr.draft,
    created_at: mr.createdAt,
    updated_at: mr.updatedAt,
    source_branch: mr.sourceBranch,
    target_branch: mr.targetBranch,
    source_project_id: mr.projectId,
    target_project_id: mr.projectId,
    author: userById(ctx.state, mr.authorId, base),
    labels: [...mr.labels],
    sha: mr.headSha,
    diff_refs: { base_sha: mr.baseSha, head_sha: mr.headSha, start_sha: mr.startSha },
    web_url: `${base}/${p.pathWithNamespace}/-/merge_requests/${mr.iid}`,
    references: { short: `!${mr.iid}`, full: `${p.pathWithNamespace}!${mr.iid}` },
  };
}

const mr = (ctx: RequestContext, id: string, iid: string) => {
  const project = findProject(ctx, id);
  return { project, mr: findMergeRequest(ctx, project, iid) };
};

/** The parameters `PUT /merge_requests/:iid` takes here; GitLab wants at least one of them. */
const UPDATE_PARAMS = {
  add_labels: { type: 'labels' },
  remove_labels: { type: 'labels' },
  labels: { type: 'labels' },
  title: { type: 'string', notBlank: true, maxLength: { max: 255, field: 'title' } },
  description: { type: 'string', maxLength: { max: 1_048_576, field: 'description' } },
  state_event: { type: 'string', values: ['close', 'reopen'] },
} as const;

/** GitLab's order of a project's merge requests: `order_by` (created_at by default) and `sort` (desc by default). */
function listOrder(p: Record<string, any>) {
  const by = p.order_by === 'updated_at' ? 'updatedAt' : 'createdAt';
  const dir = p.sort === 'asc' ? 1 : -1;
  return (a: GitLabMergeRequest, b: GitLabMergeRequest) => dir * (a[by].localeCompare(b[by]) || a.iid - b.iid);
}

export const mergeRequestRoutes: Route[] = [
  {
    // A project's merge requests, `state` opened, closed, locked, merged or all (the default), paged.
    method: 'GET',
    pattern: 'projects/:id/merge_requests',
    handler: (ctx, [id]) => {
      const p = checkParams(ctx, {
        ...PAGINATION,
        state: { type: 'string', values: ['opened', 'closed', 'locked', 'merged', 'all'] },
        order_by: { type: 'string', values: ['created_at', 'updated_at', 'merged_at', 'title'] },
        sort: { type: 'string', values: ['asc', 'desc'] },
      });
      const project = findProject(ctx, id!);
      const all = [...ctx.state.mergeRequests.values()]
        .filter((m) => m.projectId === project.id && (!p.state || p.state === 'all' || m.state === p.state))
        .sort(listOrder(p));
      const page = paginate(
        all.map((m) => mergeRequestView(ctx, m)),
        ctx,
      );
      return { body: page.body, headers: page.headers };
    },
  },
  {
    method: 'GET',
    pattern: 'projects/:id/merge_requests/:iid',
    handler: (ctx, [id, iid]) => {
      checkParams(ctx, {
        render_html: { type: 'boolean' },
        include_diverged_commits_count: { type: 'boolean' },
        include_rebase_in_progress: { type: 'boolean' },
      });
      return { body: mergeRequestView(ctx, mr(ctx, id!, iid!).mr) };
    },
  },
  {
    // Deprecated by GitLab (removed in API v5) but still served: the MR with all its changes at once.
    method: 'GET',
    pattern: 'projects/:id/merge_requests/:iid/changes',
    handler: (ctx, [id, iid]) => {
      checkParams(ctx, { access_raw_diffs: { type: 'boolean' }, unidiff: { type: 'boolean' } });
      const m = mr(ctx, id!, iid!).mr;
      return { body: { ...mergeRequestView(ctx, m), changes: m.diffs, overflow: false } };
    },
  },
  {
    method: 'GET',
    pattern: 'projects/:id/merge_requests/:iid/diffs',
    handler: (ctx, [id, iid]) => {
      checkParams(ctx, { ...PAGINATION, unidiff: { type: 'boolean' } });
      const page = paginate(mr(ctx, id!, iid!).mr.diffs, ctx);
      return { body: page.body, headers: page.headers };
    },
  },
  {
    method: 'PUT',
    pattern: 'projects/:id/merge_requests/:iid',
    handler: (ctx, [id, iid]) => {
      const found = mr(ctx, id!, iid!);
      const p = checkParams(ctx, UPDATE_PARAMS);
      if (!Object.keys(p).length)
        throw badRequest(
          `${Object.keys(UPDATE_PARAMS).join(', ')} are missing, at least one parameter must be provided`,
        );
      requireAccess(ctx, found.project, ACCESS.developer);
      const m = found.mr;
      for (const l of [...(p.labels ?? []), ...(p.add_labels ?? [])])
        if ([...l].length > LABEL_MAX)
          throw new GitLabHttpError(400, { message: { title: [`is too long (maximum is ${LABEL_MAX} characters)`] } });
      if (p.state_event === 'close' && m.state !== 'opened')
        throw badRequest('state_event does not have a valid value');
      if (p.state_event === 'reopen' && m.state !== 'closed')
        throw badRequest('state_event does not have a valid value');
      if (p.labels) m.labels = [...new Set(p.labels as string[])];
      for (const l of (p.add_labels ?? []) as string[]) if (!m.labels.includes(l)) m.labels.push(l);
      if (p.remove_labels) m.labels = m.labels.filter((l) => !(p.remove_labels as string[]).includes(l));
      if (p.title !== undefined) m.title = p.title;
      if (p.description !== undefined) m.description = p.description;
      if (p.state_event) m.state = p.state_event === 'close' ? 'closed' : 'opened';
      m.updatedAt = ctx.state.timestamp();
      return { body: mergeRequestView(ctx, m), wrote: true };
    },
  },
  {
    method: 'GET',
    pattern: 'projects/:id/merge_requests/:iid/approvals',
    handler: (ctx, [id, iid]) => {
      checkParams(ctx, {});
      const m = mr(ctx, id!, iid!).mr;
      const base = webBase(ctx);
      return {
        body: {
          id: m.id,
          iid: m.iid,
          project_id: m.projectId,
          title: m.title,
          state: m.state,
          merge_status: 'can_be_merged',
          approved: m.approvedBy.length > 0,
          approvals_required: 0,
          approvals_left: 0,
          approved_by: m.approvedBy.map((u) => ({ user: userById(ctx.state, u, base) })),
        },
      };
    },
  },
  {
    method: 'POST',
    pattern: 'projects/:id/merge_requests/:iid/approve',
    handler: (ctx, [id, iid]) => {
      const p = checkParams(ctx, { sha: { type: 'string' }, approval_password: { type: 'string' } });
      const found = mr(ctx, id!, iid!);
      requireAccess(ctx, found.project, ACCESS.developer);
      const m = found.mr;
      if (p.sha !== undefined && p.sha !== m.headSha)
        throw new GitLabHttpError(409, { message: `SHA does not match HEAD of source branch: ${m.headSha}` });
      // GitLab answers 401 to a second approval by the same user, and to the author's own (approval by the
      // author is prevented by default).
      if (m.approvedBy.includes(ctx.user.id) || m.authorId === ctx.user.id)
        throw new GitLabHttpError(401, { message: '401 Unauthorized' });
      m.approvedBy.push(ctx.user.id);
      const base = webBase(ctx);
      return {
        status: 201,
        wrote: true,
        body: {
          id: m.id,
          iid: m.iid,
          project_id: m.projectId,
          approved: true,
          approved_by: m.approvedBy.map((u) => ({ user: userById(ctx.state, u, base) })),
        },
      };
    },
  },
];
