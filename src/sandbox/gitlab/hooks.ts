// Webhook events of project and group hooks, as GitLab logs, lists and resends them: every delivery is an
// event (its request headers and payload, the answer's status, `"internal error"` when there was none);
// `GET /projects/:id/hooks/:hook_id/events` lists the past 7 days, newest first, 20 a page at most, with
// the `status` filter (codes, `successful`, `client_failure`, `server_failure`); `POST .../events/
// :hook_event_id/resend` sends the same payload with the same Idempotency-Key (a new X-Gitlab-Event-UUID),
// logs a new event and answers its status, 5 a minute per hook and user. Project hooks need the
// Maintainer role, group hooks (`/groups/:id/hooks`, Premium) the Owner role.
import { randomUUID } from 'node:crypto';
import {
  badRequest,
  checkParams,
  forbidden,
  GitLabHttpError,
  notFound,
  PAGINATION,
  paginate,
  type RequestContext,
  type Route,
} from './http.js';
import { findGroup } from './members.js';
import { findProject, requireAccess } from './projects.js';
import { ACCESS, type GitLabHook, type GitLabHookLog, type GitLabState } from './state.js';

const DAY = 86_400_000;
/** GitLab's `web_hook_event_resend_api_endpoint_rate_limit`. */
const RESENDS_PER_MINUTE = 5;
const MAX_PER_PAGE = 20;

export interface DeliverOptions {
  /** Default: a new one (GitLab keeps it across resends). */
  idempotencyKey?: string;
  /** Log the event as answered with this status without sending it (`0`: no answer). */
  status?: number;
  /** When GitLab logged it (default: now). */
  createdAt?: string;
}

/** `Merge Request Hook` → `merge_request_hooks`, as GitLab names an event's trigger. */
const triggerOf = (eventName: string) =>
  `${eventName
    .replace(/ Hook$/, '')
    .toLowerCase()
    .replace(/ /g, '_')}_hooks`;

/** Sends (or, with `status`, only logs) one delivery of `hook`; returns its logged event. */
export async function deliver(
  state: GitLabState,
  hook: GitLabHook,
  eventName: string,
  payload: unknown,
  opts: DeliverOptions = {},
): Promise<GitLabHookLog> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': 'GitLab/17.6.0',
    'Idempotency-Key': opts.idempotencyKey ?? randomUUID(),
    'X-Gitlab-Event': eventName,
    'X-Gitlab-Webhook-UUID': `00000000-0000-4000-8000-${String(hook.id).padStart(12, '0')}`,
    'X-Gitlab-Instance': 'https://gitlab.example.com',
    'X-Gitlab-Event-UUID': randomUUID(),
    ...(hook.token ? { 'X-Gitlab-Token': hook.token } : {}),
  };
  const started = Date.now();
  let status = opts.status === undefined ? undefined : String(opts.status || 'internal error');
  let responseHeaders: Record<string, string> = {};
  let responseBody = '';
  if (status === undefined) {
    try {
      const res = await fetch(hook.url, { method: 'POST', headers, body: JSON.stringify(payload) });
      responseBody = await res.text();
      responseHeaders = Object.fromEntries(res.headers);
      status = String(res.status);
    } catch {
      status = 'internal error';
    }
  }
  const log: GitLabHookLog = {
    id: state.id(),
    url: hook.url,
    trigger: triggerOf(eventName),
    requestHeaders: { ...headers, ...(hook.token ? { 'X-Gitlab-Token': '[REDACTED]' } : {}) },
    requestData: payload,
    responseHeaders,
    responseBody,
    executionDuration: (Date.now() - started) / 1000,
    responseStatus: status,
    createdAt: opts.createdAt ?? state.timestamp(),
  };
  hook.events.push(log);
  return log;
}

const eventView = (e: GitLabHookLog) => ({
  id: e.id,
  url: e.url,
  trigger: e.trigger,
  request_headers: e.requestHeaders,
  request_data: e.requestData,
  response_headers: e.responseHeaders,
  response_body: e.responseBody,
  execution_duration: e.executionDuration,
  response_status: e.responseStatus,
  created_at: e.createdAt,
});

/** The hook `hookId` of the project or group in the path, for a user with the role to manage it. */
function findHook(ctx: RequestContext, scope: 'projects' | 'groups', id: string, hookId: string): GitLabHook {
  let owner: { projectId?: number; groupId?: number };
  if (scope === 'projects') {
    const project = findProject(ctx, id);
    requireAccess(ctx, project, ACCESS.maintainer);
    owner = { projectId: project.id };
  } else {
    const group = findGroup(ctx, id);
    if ((ctx.state.groupAccessLevel(group, ctx.user.id) ?? 0) < ACCESS.owner) throw forbidden();
    owner = { groupId: group.id };
  }
  const hook = /^\d+$/.test(hookId) ? ctx.state.hooks.get(Number(hookId)) : undefined;
  if (!hook || hook.projectId !== owner.projectId || hook.groupId !== owner.groupId) throw notFound();
  return hook;
}

const STATUS_CATEGORIES: Record<string, (s: string) => boolean> = {
  successful: (s) => /^2\d\d$/.test(s),
  client_failure: (s) => /^4\d\d$/.test(s),
  server_failure: (s) => /^5\d\d$/.test(s) || s === 'internal error',
};

function listEvents(ctx: RequestContext, scope: 'projects' | 'groups', [id, hookId]: string[]) {
  const p = checkParams(ctx, { ...PAGINATION, status: { type: 'string' } });
  const hook = findHook(ctx, scope, id!, hookId!);
  if (p.per_page !== undefined && (p.per_page < 1 || p.per_page > MAX_PER_PAGE))
    throw badRequest('per_page does not have a valid value');
  const wanted = p.status === undefined ? undefined : String(p.status).split(',');
  if (wanted?.some((w) => !STATUS_CATEGORIES[w] && !/^[1-5]\d\d$/.test(w)))
    throw badRequest('status does not have a valid value');
  const since = ctx.state.now().getTime() - 7 * DAY;
  const events = hook.events
    .filter((e) => Date.parse(e.createdAt) >= since)
    .filter((e) => !wanted || wanted.some((w) => (STATUS_CATEGORIES[w] ?? ((s) => s === w))(e.responseStatus)))
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.id - a.id);
  const page = paginate(events.map(eventView), ctx);
  return { body: page.body, headers: page.headers };
}

async function resend(ctx: RequestContext, scope: 'projects' | 'groups', [id, hookId, eventId]: string[]) {
  checkParams(ctx, {});
  const hook = findHook(ctx, scope, id!, hookId!);
  const log = hook.events.find((e) => String(e.id) === eventId);
  if (!log) throw notFound();
  const now = Date.now();
  const recent = hook.resends.filter((r) => r.userId === ctx.user.id && r.at > now - 60_000);
  if (recent.length >= RESENDS_PER_MINUTE)
    throw new GitLabHttpError(
      429,
      { message: { error: 'This endpoint has been requested too many times. Try again later.' } },
      { 'retry-after': '60' },
    );
  if (log.url !== hook.url)
    throw new GitLabHttpError(422, { message: 'The hook URL has changed, and this log entry cannot be retried' });
  hook.resends.push({ userId: ctx.user.id, at: now });
  const again = await deliver(ctx.state, hook, log.requestHeaders['X-Gitlab-Event']!, log.requestData, {
    idempotencyKey: log.requestHeaders['Idempotency-Key'],
  });
  const status = Number(again.responseStatus);
  return {
    status: 201,
    body: { response_status: Number.isInteger(status) ? status : again.responseStatus },
    wrote: true,
  };
}

export const hookRoutes: Route[] = (['projects', 'groups'] as const).flatMap((scope): Route[] => [
  { method: 'GET', pattern: `${scope}/:id/hooks/:hook_id/events`, handler: (ctx, p) => listEvents(ctx, scope, p) },
  {
    method: 'POST',
    pattern: `${scope}/:id/hooks/:hook_id/events/:hook_event_id/resend`,
    handler: (ctx, p) => resend(ctx, scope, p),
  },
]);
