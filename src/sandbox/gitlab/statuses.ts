// Commit statuses: `POST /projects/:id/statuses/:sha` (what an external check such as the gate sets) and
// `GET /projects/:id/repository/commits/:sha/statuses`. As on GitLab, a status with the same sha, name and
// ref that is still pending or running is moved to its new state, and a move its state machine has no
// transition for (running to running, pending to pending) is a 400; a finished status is never changed,
// a new one is created instead.
import { checkParams, GitLabHttpError, invalid, notFound, PAGINATION, paginate, type Route } from './http.js';
import { findProject, requireAccess } from './projects.js';
import { ACCESS, type CommitState, type GitLabCommitStatus } from './state.js';
import { userById, webBase } from './users.js';
import type { RequestContext } from './http.js';

export const STATUS_STATES = ['pending', 'running', 'success', 'failed', 'canceled', 'skipped'] as const;
/** Longest name, description and target_url GitLab stores for a commit status. */
export const STATUS_TEXT_MAX = 255;

const EVENTS: Record<string, string> = {
  pending: 'enqueue',
  running: 'run',
  success: 'succeed',
  failed: 'drop',
  canceled: 'cancel',
  skipped: 'skip',
};

/** The states each state-machine event may leave from (GitLab's Ci::HasStatus). */
const FROM: Record<string, CommitState[]> = {
  enqueue: ['created', 'skipped'],
  run: ['pending'],
  succeed: ['created', 'pending', 'running', 'failed', 'canceled', 'skipped'],
  drop: ['created', 'pending', 'running', 'success', 'canceled', 'skipped'],
  cancel: ['created', 'pending', 'running'],
  skip: ['created', 'pending'],
};

function transition(status: GitLabCommitStatus, to: (typeof STATUS_STATES)[number], at: string) {
  // Asking for `running` on a new status enqueues it first, as GitLab does.
  const steps: CommitState[] = to === 'running' && status.status === 'created' ? ['pending', 'running'] : [to];
  for (const step of steps) {
    const event = EVENTS[step]!;
    if (!FROM[event]!.includes(status.status))
      throw new GitLabHttpError(400, {
        message: `Cannot transition status via :${event} from :${status.status} (Reason(s): Status cannot transition via "${event}")`,
      });
    status.status = step;
    status.history.push(step);
  }
  if (to === 'running') status.startedAt = at;
  if (['success', 'failed', 'canceled', 'skipped'].includes(to)) status.finishedAt = at;
}

function statusView(ctx: RequestContext, s: GitLabCommitStatus) {
  return {
    id: s.id,
    sha: s.sha,
    ref: s.ref,
    status: s.status,
    name: s.name,
    target_url: s.targetUrl,
    description: s.description,
    created_at: s.createdAt,
    started_at: s.startedAt,
    finished_at: s.finishedAt,
    allow_failure: false,
    coverage: s.coverage,
    pipeline_id: s.pipelineId,
    author: userById(ctx.state, s.authorId, webBase(ctx)),
  };
}

function knownCommit(ctx: RequestContext, projectCommits: Set<string>, sha: string) {
  if (!projectCommits.has(sha)) throw notFound('Commit');
}

export const statusRoutes: Route[] = [
  {
    method: 'POST',
    pattern: 'projects/:id/statuses/:sha',
    handler: (ctx, [id, sha]) => {
      const project = findProject(ctx, id!);
      const p = checkParams(ctx, {
        state: { type: 'string', required: true, values: STATUS_STATES },
        ref: { type: 'string' },
        name: { type: 'string', maxLength: { max: STATUS_TEXT_MAX, field: 'name' } },
        context: { type: 'string', maxLength: { max: STATUS_TEXT_MAX, field: 'name' } },
        target_url: { type: 'string', maxLength: { max: STATUS_TEXT_MAX, field: 'target_url' } },
        description: { type: 'string', maxLength: { max: STATUS_TEXT_MAX, field: 'description' } },
        coverage: { type: 'float' },
        pipeline_id: { type: 'integer' },
      });
      requireAccess(ctx, project, ACCESS.developer);
      knownCommit(ctx, project.commits, sha!);
      if (p.target_url !== undefined && !/^https?:\/\/[^\s/]+/.test(p.target_url))
        throw invalid('target_url', 'is blocked: Only allowed schemes are http, https');
      const name: string = p.name ?? p.context ?? 'default';
      const mr = [...ctx.state.mergeRequests.values()].find((m) => m.projectId === project.id && m.headSha === sha);
      const ref: string = p.ref ?? mr?.sourceBranch ?? project.defaultBranch;
      const at = ctx.state.timestamp();
      let status = ctx.state.statuses.find(
        (s) =>
          s.projectId === project.id &&
          s.sha === sha &&
          s.name === name &&
          s.ref === ref &&
          ['created', 'pending', 'running'].includes(s.status),
      );
      const isNew = !status;
      status ??= {
        id: ctx.state.id(),
        projectId: project.id,
        sha: sha!,
        ref,
        name,
        status: 'created',
        description: null,
        targetUrl: null,
        coverage: null,
        pipelineId: p.pipeline_id ?? ctx.state.id(),
        authorId: ctx.user.id,
        createdAt: at,
        startedAt: null,
        finishedAt: null,
        history: [],
      };
      transition(status, p.state, at);
      if (p.description !== undefined) status.description = p.description;
      if (p.target_url !== undefined) status.targetUrl = p.target_url;
      if (p.coverage !== undefined) status.coverage = p.coverage;
      if (isNew) ctx.state.statuses.push(status);
      return { status: 201, body: statusView(ctx, status), wrote: true };
    },
  },
  {
    method: 'GET',
    pattern: 'projects/:id/repository/commits/:sha/statuses',
    handler: (ctx, [id, sha]) => {
      const p = checkParams(ctx, {
        ...PAGINATION,
        ref: { type: 'string' },
        stage: { type: 'string' },
        name: { type: 'string' },
        pipeline_id: { type: 'integer' },
        order_by: { type: 'string', values: ['id', 'pipeline_id'] },
        sort: { type: 'string', values: ['asc', 'desc'] },
        all: { type: 'boolean' },
      });
      const project = findProject(ctx, id!);
      requireAccess(ctx, project, ACCESS.reporter);
      let list = ctx.state.statuses.filter((s) => s.projectId === project.id && s.sha === sha);
      if (p.ref !== undefined) list = list.filter((s) => s.ref === p.ref);
      if (p.name !== undefined) list = list.filter((s) => s.name === p.name);
      if (p.pipeline_id !== undefined) list = list.filter((s) => s.pipelineId === p.pipeline_id);
      // Without `all`, only the latest status of each name (GitLab's default).
      if (!p.all) list = list.filter((s) => !list.some((o) => o.name === s.name && o.id > s.id));
      const key = p.order_by === 'pipeline_id' ? 'pipelineId' : 'id';
      const sign = p.sort === 'desc' ? -1 : 1;
      list = [...list].sort((a, b) => sign * (a[key] - b[key]));
      const page = paginate(
        list.map((s) => statusView(ctx, s)),
        ctx,
      );
      return { body: page.body, headers: page.headers };
    },
  },
];
