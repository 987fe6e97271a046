// The GitLab sandbox: a local HTTP server that answers like GitLab's REST API v4 (gitlab.com and
// self-managed alike) for the resources this project uses, one file per resource. It authenticates like
// GitLab (`PRIVATE-TOKEN` or `Authorization: Bearer`, else 401), hides what the token may not see (404),
// checks parameters (400), pages lists (X-Next-Page, X-Total...), and can be told to rate-limit (429 with
// Retry-After and RateLimit-Reset) or to fail, before a write or after it. Every request is recorded.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { recordedExchange, SandboxHttpServer, takeFault } from '../http-server.js';
import { control } from './control.js';
import { discussionRoutes } from './discussions.js';
import { fileRoutes } from './files.js';
import { deliver, hookRoutes, type DeliverOptions } from './hooks.js';
import { executeGraphql } from './graphql.js';
import { GitLabHttpError, matchRoute, type Answer, type RequestContext, type Route } from './http.js';
import { memberRoutes } from './members.js';
import { mergeRequestRoutes } from './merge-requests.js';
import { noteRoutes } from './notes.js';
import { projectRoutes } from './projects.js';
import { GitLabState, type RecordedRequest } from './state.js';
import { statusRoutes } from './statuses.js';
import { userRoutes } from './users.js';

export const API_PREFIX = '/api/v4';
/** GitLab's GraphQL endpoint (`POST /api/graphql`, the same tokens as the REST API). */
export const GRAPHQL_PATH = '/api/graphql';

const ROUTES: Route[] = [
  ...userRoutes,
  ...projectRoutes,
  ...mergeRequestRoutes,
  ...noteRoutes,
  ...discussionRoutes,
  ...statusRoutes,
  ...fileRoutes,
  ...memberRoutes,
  ...hookRoutes,
];

/** What a request is matched against in fault injection: `METHOD /api/v4/path/as/sent`. */
export type RequestMatch = RegExp;

interface Fault {
  remaining: number;
  match?: RequestMatch;
}
type AfterWriteMode = 'status500' | 'reset' | { delayMs: number };

export class GitLabSandbox extends SandboxHttpServer {
  readonly state = new GitLabState();
  private before: (Fault & { status: number; rateLimit?: number })[] = [];
  private afterWrite: (Fault & { mode: AfterWriteMode })[] = [];
  private budget?: { limit: number; windowMs: number; used: Map<number, number[]> };
  /** Answers that were failed after their write was stored. */
  afterWriteFaults = 0;

  /** Every request received, oldest first (method, path as sent, query, parsed body, status, time). */
  get requests(): RecordedRequest[] {
    return this.state.requests;
  }

  constructor() {
    // GitLab keeps an idle connection 65 s: nginx's keepalive_timeout in omnibus-gitlab
    // (files/gitlab-cookbooks/gitlab/attributes/default.rb). Node's 5 s would make a client reconnect
    // between two reviews a few seconds apart, which GitLab does not.
    super('GitLab sandbox not started', 65_000);
  }

  /** The REST API's root: `${url}/api/v4`. */
  get apiUrl(): string {
    return this.url + API_PREFIX;
  }

  /** Forgets recorded activity and scripted faults; seeded users, projects and MRs stay. */
  reset(): void {
    this.state.resetActivity();
    this.before = [];
    this.afterWrite = [];
    this.budget = undefined;
    this.afterWriteFaults = 0;
  }

  /**
   * GitLab sends a webhook event on the hook `hookId` (state.addHook): POSTed to its URL with GitLab's
   * headers, its answer logged as an event of the hook; or, with `status`, logged as answered so without
   * being sent (`0`: GitLab got no answer, its `internal error`).
   */
  deliver(hookId: number, eventName: string, payload: unknown, opts: DeliverOptions = {}) {
    const hook = this.state.hooks.get(hookId);
    if (!hook) throw new Error(`no hook ${hookId}: addHook first`);
    return deliver(this.state, hook, eventName, payload, opts);
  }

  /** The next `count` matching requests are answered `status` without being performed. */
  failNext(count: number, status: number, match?: RequestMatch): void {
    this.before.push({ remaining: count, status, match });
  }

  /**
   * The next `count` matching writes are stored, and then the answer fails: a 500, a reset connection,
   * or an answer held back `delayMs` (time to kill the worker waiting on it). For exactly-once tests.
   */
  failAfterWrite(count: number, mode: AfterWriteMode = 'status500', match?: RequestMatch): void {
    this.afterWrite.push({ remaining: count, mode, match });
  }

  /** The next `count` matching requests are refused with 429, `Retry-After` and `RateLimit-Reset`. */
  rateLimit(count: number, retryAfterSeconds: number, match?: RequestMatch): void {
    this.before.push({ remaining: count, status: 429, rateLimit: retryAfterSeconds, match });
  }

  /**
   * A standing limit, as GitLab's authenticated API rate limit: each user may make `limit` requests per
   * `windowSeconds`; beyond that, 429 until the window moves on. `undefined` lifts it.
   */
  requestBudget(limit: number | undefined, windowSeconds = 60): void {
    this.budget = limit === undefined ? undefined : { limit, windowMs: windowSeconds * 1000, used: new Map() };
  }

  protected async handle(req: IncomingMessage, res: ServerResponse) {
    const { url, method, raw, entry, send } = await recordedExchange(req, res, this.url, this.state.requests, {
      'cache-control': 'no-cache',
    });

    let body: unknown;
    try {
      body = parseBody(raw, String(req.headers['content-type'] ?? ''));
      entry.body = body;
    } catch {
      return send(400, { error: 'The request body is not valid JSON' });
    }
    if (url.pathname.startsWith('/_sandbox/')) return send(...control(this.state, method, url.pathname, body));
    const graphql = url.pathname === GRAPHQL_PATH && method === 'POST';
    if (!graphql && !url.pathname.startsWith(API_PREFIX + '/')) return send(404, { error: '404 Not Found' });

    const userId = this.state.tokens.get(tokenOf(req));
    const user = userId === undefined ? undefined : this.state.users.get(userId);
    if (!user || user.state !== 'active') return send(401, { message: '401 Unauthorized' });
    entry.username = user.username;

    const key = `${method} ${url.pathname}`;
    const fault = takeFault(this.before, key);
    if (fault) {
      if (fault.rateLimit !== undefined) return this.tooMany(send, fault.rateLimit);
      return send(fault.status, {
        message: `${fault.status} ${fault.status >= 500 ? 'Internal Server Error' : 'Error'}`,
      });
    }
    if (this.budget) {
      const now = Date.now();
      const used = (this.budget.used.get(user.id) ?? []).filter((t) => t > now - this.budget!.windowMs);
      if (used.length >= this.budget.limit) {
        this.budget.used.set(user.id, used);
        return this.tooMany(send, Math.ceil((used[0]! + this.budget.windowMs - now) / 1000), this.budget.limit);
      }
      used.push(now);
      this.budget.used.set(user.id, used);
    }

    if (graphql) {
      const answer = executeGraphql({ method, segments: [], params: {}, user, state: this.state, url }, body);
      return send(answer.status, answer.body);
    }

    // Split on the slashes as sent, then decode each segment once: `group%2Fproject` is one segment.
    const segments = url.pathname
      .slice(API_PREFIX.length + 1)
      .split('/')
      .map(safeDecode);
    if (segments.some((s) => s === undefined)) return send(400, { error: '400 Bad request' });
    const params: Record<string, unknown> = { ...Object.fromEntries(url.searchParams) };
    for (const k of url.searchParams.keys()) if (k.endsWith('[]')) params[k.slice(0, -2)] = url.searchParams.getAll(k);
    for (const k of Object.keys(params)) if (k.endsWith('[]')) delete params[k];
    if (body && typeof body === 'object' && !Array.isArray(body)) Object.assign(params, body);

    for (const route of ROUTES) {
      const pathParams = matchRoute(route, method, segments as string[]);
      if (!pathParams) continue;
      const ctx: RequestContext = { method, segments: segments as string[], params, user, state: this.state, url };
      let answer: Answer;
      try {
        answer = await route.handler(ctx, pathParams);
      } catch (err) {
        if (err instanceof GitLabHttpError) return send(err.status, err.body, err.headers);
        return send(500, { message: '500 Internal Server Error' });
      }
      const late = answer.wrote ? takeFault(this.afterWrite, key) : undefined;
      if (late) {
        this.afterWriteFaults++;
        if (late.mode === 'reset') {
          entry.status = 0;
          return void req.socket.destroy();
        }
        if (late.mode === 'status500') return send(500, { message: '500 Internal Server Error' });
        await new Promise((r) => setTimeout(r, (late.mode as { delayMs: number }).delayMs));
      }
      return send(answer.status ?? 200, answer.body, answer.headers, answer.type);
    }
    return send(404, { error: '404 Not Found' });
  }

  private tooMany(
    send: (s: number, b: unknown, h: Record<string, string>, t: string) => void,
    retryAfter: number,
    limit = 2000,
  ) {
    const reset = Math.ceil(Date.now() / 1000) + retryAfter;
    send(
      429,
      'Retry later\n',
      {
        'retry-after': String(retryAfter),
        'ratelimit-name': 'throttle_authenticated_api',
        'ratelimit-limit': String(limit),
        'ratelimit-observed': String(limit + 1),
        'ratelimit-remaining': '0',
        'ratelimit-reset': String(reset),
      },
      'text/plain',
    );
  }
}

function tokenOf(req: IncomingMessage): string {
  const privateToken = req.headers['private-token'];
  if (typeof privateToken === 'string' && privateToken) return privateToken;
  const auth = req.headers.authorization ?? '';
  const bearer = /^Bearer\s+(\S+)$/i.exec(auth);
  return bearer?.[1] ?? '';
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** JSON, or a form body with Rails-style nested keys (`position[new_line]=3`, `labels[]=a`). */
function parseBody(raw: string, contentType: string): unknown {
  if (!raw) return undefined;
  if (!contentType.includes('application/x-www-form-urlencoded')) return JSON.parse(raw);
  const out: Record<string, any> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    const path = key.replace(/\]/g, '').split('[');
    let at = out;
    for (let i = 0; i < path.length - 1; i++) at = at[path[i]!] ??= path[i + 1] === '' ? [] : {};
    const last = path.at(-1)!;
    if (last === '' && Array.isArray(at)) at.push(value);
    else at[last] = value;
  }
  return out;
}
