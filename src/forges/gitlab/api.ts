// A small client of GitLab's REST API v4 (gitlab.com and self-managed): JSON over src/http/forge-http.ts, the token in
// `PRIVATE-TOKEN`, lists paged by `X-Next-Page`, projects addressed by their URL-encoded full path. Every
// failure becomes a Temporal ApplicationFailure whose type the caller can test, as GitHub's do
// (src/forges/github/failures.ts): a refusal (400, 401, 403, 404, 409, 422...) is `GitLab<status>` and final; a rate
// limit (429) is `GitLabRateLimited` and retried when GitLab says (Retry-After, else RateLimit-Reset); a 5xx
// or an unreachable server is `GitLabUnavailable` and retried with backoff. Messages name the method and
// path, never the query string or the token.
import { ApplicationFailure } from '@temporalio/common';
import {
  DEFAULT_RATE_LIMIT_WAIT_MS,
  failureType,
  forgeFailure,
  forgeRequest,
  type ForgeFailureDetails,
  type HttpAnswer,
  type HttpInit,
} from '../../http/forge-http.js';
import { retryAfterMs, untilResetMs } from '../../http/retry-after.js';
import { fullNameOf, type ForgeTarget } from '../port.js';

export type Query = Record<string, string | number | boolean | undefined>;

export interface GitLabApiOptions {
  /** The REST API's root, e.g. `https://gitlab.com/api/v4` (config `api_url`). */
  apiUrl: string;
  token: string;
  /** Per request; default 30 s. */
  timeoutMs?: number;
}

export interface GitLabUserRef {
  id: number;
  username: string;
}

/** What a failed GitLab call carries in the failure's details (first entry). */
export type GitLabFailureDetails = ForgeFailureDetails;

/** How long GitLab asked us to wait after a 429: Retry-After, else RateLimit-Reset, else a minute. */
export function gitLabRateLimitWaitMs(headers: Pick<Headers, 'get'>, now = Date.now()): number {
  return (
    retryAfterMs((name) => headers.get(name), now) ??
    untilResetMs(headers.get('ratelimit-reset'), now) ??
    DEFAULT_RATE_LIMIT_WAIT_MS
  );
}

/** The failure for one GitLab answer (`status` 0: no answer at all); a 429 waits as GitLab says. */
export const gitLabFailure = (
  call: string,
  status: number,
  headers: Pick<Headers, 'get'>,
  apiMessage: string,
  now = Date.now(),
): ApplicationFailure =>
  forgeFailure('GitLab', call, status, headers, apiMessage, { now, rateLimitWaitMs: gitLabRateLimitWaitMs });

export { failureType };

/** GitLab's message in an error body: `{"message": "..."}`, `{"message": {"field": [...]}}` or `{"error": "..."}`. */
function apiMessageOf(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown };
    const m = body.message ?? body.error;
    if (typeof m === 'string') return m;
    if (m && typeof m === 'object') return JSON.stringify(m);
  } catch {
    /* not JSON (a 429's "Retry later", an HTML error page) */
  }
  return '';
}

export class GitLabApi {
  private readonly root: string;
  private me?: Promise<GitLabUserRef>;
  /** Requests sent by this client (for the callers' request counts). */
  requests = 0;

  constructor(private readonly options: GitLabApiOptions) {
    this.root = options.apiUrl.replace(/\/+$/, '');
  }

  /** The instance's web root (the API root without `/api/v4`), where web_url links live. */
  get webUrl(): string {
    return this.root.replace(/\/api\/v4$/, '');
  }

  /** `/projects/<url-encoded full path>` of a target. */
  project(t: ForgeTarget): string {
    return `/projects/${encodeURIComponent(fullNameOf(t))}`;
  }

  /** The token's own user (`GET /user`), asked once per client. */
  user(): Promise<GitLabUserRef> {
    this.me ??= this.get<GitLabUserRef>('/user').then(
      (u) => ({ id: u.id, username: u.username }),
      (err: unknown) => {
        this.me = undefined; // a failure is not remembered
        throw err;
      },
    );
    return this.me;
  }

  /** One call; the answer's status, headers and raw response (its body unread). */
  async send(method: string, path: string, opts: { query?: Query; body?: unknown } = {}): Promise<HttpAnswer> {
    const url = new URL(this.root + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const call = `${method} ${path}`;
    const headers: Record<string, string> = { 'private-token': this.options.token, accept: 'application/json' };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    return this.fetchOk(call, url, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
  }

  /** Sends one request (counted); a failure or an answer other than 2xx becomes GitLab's failure type. */
  private fetchOk(call: string, url: URL | string, init: HttpInit): Promise<HttpAnswer> {
    this.requests++;
    return forgeRequest('GitLab', call, url, { ...init, timeoutMs: this.options.timeoutMs }, (status, headers, body) =>
      gitLabFailure(call, status, headers, apiMessageOf(body)),
    );
  }

  /** A call answered in JSON. */
  async json<T>(method: string, path: string, opts: { query?: Query; body?: unknown } = {}): Promise<T> {
    const res = await this.send(method, path, opts);
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /**
   * One GraphQL request to the instance's `/api/graphql` (same token). GitLab answers 200 with `errors`
   * for a query it cannot run: that is a `GitLabGraphQL` failure, final (the caller may read over REST).
   */
  async graphql<T>(query: string, variables: Record<string, unknown>): Promise<T> {
    const url = this.root.replace(/\/v4$/, '/graphql');
    const call = 'POST /api/graphql';
    const res = await this.fetchOk(call, url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${this.options.token}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify({ query, variables }),
    });
    const text = await res.text();
    const body = JSON.parse(text) as { data?: T; errors?: { message?: string }[] };
    if (body.errors?.length || !body.data)
      throw ApplicationFailure.create({
        type: 'GitLabGraphQL',
        message: `GitLab ${call}: ${body.errors?.map((e) => e.message).join('; ') ?? 'no data'}`,
        nonRetryable: true,
      });
    return body.data;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.json<T>('GET', path, { query });
  }

  /**
   * Every item of a list, following X-Next-Page (100 a page, or `perPage` where GitLab allows fewer) up to
   * `maxPages` pages; `truncated` when GitLab had more. `onPage` hears each page's number as it arrives.
   */
  async paginate<T>(
    path: string,
    query: Query = {},
    maxPages = Infinity,
    opts: { perPage?: number; onPage?: (page: number) => void } = {},
  ): Promise<{ items: T[]; truncated: boolean }> {
    const items: T[] = [];
    let page: string | null = '1';
    for (let n = 0; page; n++) {
      if (n >= maxPages) return { items, truncated: true };
      const res = await this.send('GET', path, { query: { ...query, per_page: opts.perPage ?? 100, page } });
      items.push(...(await res.json<T[]>()));
      opts.onPage?.(n + 1);
      page = res.headers.get('x-next-page') || null;
    }
    return { items, truncated: false };
  }
}
