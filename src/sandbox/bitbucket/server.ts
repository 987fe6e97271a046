// The Bitbucket sandbox: a local HTTP server that answers like Bitbucket Cloud's REST API 2.0 (under `/2.0`)
// and like Bitbucket Data Center's REST APIs 1.0 (under `/rest`: `api/1.0`, `insights/1.0`) for the resources
// this project uses, one file per resource and API, over one state. It authenticates like Bitbucket (Basic with an account
// and its API token or app password, or `Authorization: Bearer` with an access token; else 401), hides
// repositories the account may not see (404), answers errors in Bitbucket's body, pages lists by `next`, and
// can be told to rate-limit (429) or to fail, before a write or after it. Every request is recorded.
// `/_sandbox/` is its own surface (control.ts): seeding a pull request, reading what was written.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { recordedExchange, SandboxHttpServer, takeFault } from '../http-server.js';
import { commentRoutes } from './comments.js';
import { control } from './control.js';
import { dataCenterBuildRoutes } from './data-center-builds.js';
import { dataCenterCommentRoutes } from './data-center-comments.js';
import { dataCenterInsightRoutes } from './data-center-insights.js';
import { dataCenterPullRequestRoutes } from './data-center-pullrequests.js';
import { dataCenterRawRoutes } from './data-center-raw.js';
import { dataCenterUserRoutes } from './data-center-users.js';
import { BitbucketHttpError, matchRoute, type Answer, type Flavor, type RequestContext, type Route } from './http.js';
import { permissionRoutes } from './permissions.js';
import { pullRequestRoutes } from './pullrequests.js';
import { reportRoutes } from './reports.js';
import { srcRoutes } from './src.js';
import { BitbucketState, type RecordedRequest } from './state.js';
import { statusRoutes } from './statuses.js';
import { userRoutes } from './users.js';

export const API_PREFIX = '/2.0';
/** Data Center's REST root (its core API is `${DATA_CENTER_PREFIX}/api/1.0`). */
export const DATA_CENTER_PREFIX = '/rest';

const DATA_CENTER_ROUTES: Route[] = [
  ...dataCenterUserRoutes,
  ...dataCenterPullRequestRoutes,
  ...dataCenterCommentRoutes,
  ...dataCenterBuildRoutes,
  ...dataCenterInsightRoutes,
  ...dataCenterRawRoutes,
];

const ROUTES: Route[] = [
  ...userRoutes,
  ...pullRequestRoutes,
  ...commentRoutes,
  ...statusRoutes,
  ...reportRoutes,
  ...srcRoutes,
  ...permissionRoutes,
];

interface Fault {
  remaining: number;
  /** Tested against `METHOD /2.0/path/as/sent`. */
  match?: RegExp;
}

export class BitbucketSandbox extends SandboxHttpServer {
  readonly state = new BitbucketState();
  private before: (Fault & { status: number; retryAfter?: number })[] = [];
  private afterWrite: (Fault & { mode: 'status500' | 'reset' })[] = [];
  /** Answers that were failed after their write was stored. */
  afterWriteFaults = 0;

  constructor() {
    super('Bitbucket sandbox not started');
  }

  get requests(): RecordedRequest[] {
    return this.state.requests;
  }

  /** The REST API's root: `${url}/2.0`. */
  get apiUrl(): string {
    return this.url + API_PREFIX;
  }

  /** Data Center's REST API root: `${url}/rest/api/1.0` (its `api_url`). */
  get dataCenterApiUrl(): string {
    return `${this.url}${DATA_CENTER_PREFIX}/api/1.0`;
  }

  /** Forgets recorded requests and scripted faults; seeded and written data stay. */
  reset(): void {
    this.state.resetActivity();
    this.before = [];
    this.afterWrite = [];
    this.afterWriteFaults = 0;
  }

  /** The next `count` matching requests are answered `status` without being performed. */
  failNext(count: number, status: number, match?: RegExp): void {
    this.before.push({ remaining: count, status, match });
  }

  /** The next `count` matching writes are stored, and then the answer fails (500, or a reset connection). */
  failAfterWrite(count: number, mode: 'status500' | 'reset' = 'status500', match?: RegExp): void {
    this.afterWrite.push({ remaining: count, mode, match });
  }

  /** The next `count` matching requests are refused with 429 (with `Retry-After` when given). */
  rateLimit(count: number, retryAfterSeconds?: number, match?: RegExp): void {
    this.before.push({ remaining: count, status: 429, retryAfter: retryAfterSeconds, match });
  }

  protected async handle(req: IncomingMessage, res: ServerResponse) {
    const { url, method, raw, entry, send } = await recordedExchange(req, res, this.url, this.state.requests);
    const flavor: Flavor = url.pathname.startsWith(DATA_CENTER_PREFIX + '/') ? 'data-center' : 'cloud';
    const prefix = flavor === 'data-center' ? DATA_CENTER_PREFIX : API_PREFIX;
    const error = (e: BitbucketHttpError) => send(e.status, e.bodyOf(flavor), e.headers);

    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
      entry.body = body;
    } catch {
      return error(new BitbucketHttpError(400, 'The request body is not valid JSON'));
    }
    if (url.pathname.startsWith('/_sandbox/')) {
      const [status, answer] = control(this.state, method, url.pathname, body);
      return send(status, answer);
    }
    if (!url.pathname.startsWith(prefix + '/')) return error(new BitbucketHttpError(404, 'Resource not found'));

    const uuid = this.state.credentials.get(credentialOf(req));
    const user = uuid === undefined ? undefined : this.state.users.get(uuid);
    if (!user)
      return error(
        flavor === 'data-center'
          ? new BitbucketHttpError(401, 'Authentication failed. Please check your credentials and try again.', {
              'www-authenticate': 'Basic realm="Bitbucket"',
            })
          : new BitbucketHttpError(401, 'Unauthorized', { 'www-authenticate': 'Basic realm="Bitbucket.org HTTP"' }),
      );
    entry.nickname = user.nickname;
    // Data Center names the authenticated user in every answer.
    if (flavor === 'data-center') res.setHeader('x-ausername', user.nickname);

    const key = `${method} ${url.pathname}`;
    const fault = takeFault(this.before, key);
    if (fault) {
      if (fault.status === 429)
        return error(
          new BitbucketHttpError(429, 'Rate limit for this resource has been exceeded', {
            ...(fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {}),
          }),
        );
      return error(new BitbucketHttpError(fault.status, fault.status >= 500 ? 'Something went wrong' : 'Error'));
    }

    const segments = url.pathname
      .slice(prefix.length + 1)
      .split('/')
      .map(safeDecode);
    if (segments.some((s) => s === undefined)) return error(new BitbucketHttpError(400, 'Bad request'));
    const query = Object.fromEntries(url.searchParams);
    for (const route of flavor === 'data-center' ? DATA_CENTER_ROUTES : ROUTES) {
      const params = matchRoute(route, method, segments as string[]);
      if (!params) continue;
      const ctx: RequestContext = {
        method,
        segments: segments as string[],
        query,
        body,
        user,
        state: this.state,
        url,
        flavor,
      };
      let answer: Answer;
      try {
        answer = route.handler(ctx, params);
      } catch (err) {
        if (err instanceof BitbucketHttpError) return error(err);
        return error(new BitbucketHttpError(500, 'Something went wrong'));
      }
      const late = answer.wrote ? takeFault(this.afterWrite, key) : undefined;
      if (late) {
        this.afterWriteFaults++;
        if (late.mode === 'reset') {
          entry.status = 0;
          return void req.socket.destroy();
        }
        return error(new BitbucketHttpError(500, 'Something went wrong'));
      }
      return send(answer.status ?? 200, answer.body, answer.headers, answer.type);
    }
    return error(new BitbucketHttpError(404, 'Resource not found'));
  }
}

/** `username:password` of Basic auth, or the Bearer token. */
function credentialOf(req: IncomingMessage): string {
  const auth = req.headers.authorization ?? '';
  const basic = /^Basic\s+(\S+)$/i.exec(auth);
  if (basic) return Buffer.from(basic[1]!, 'base64').toString('utf8');
  return /^Bearer\s+(\S+)$/i.exec(auth)?.[1] ?? '';
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}
