// A small client of Bitbucket Cloud's REST API 2.0: JSON over fetch, Basic auth (`username` + an API token
// or app password) or a Bearer access token (`oauth_token`), lists paged by their `next` link. Every failure
// becomes a Temporal ApplicationFailure whose type the caller can test, as GitLab's do
// (src/forges/gitlab/api.ts): a refusal (400, 401, 403, 404, 409...) is `Bitbucket<status>` and final; a rate
// limit (429) is `BitbucketRateLimited`, retried when Bitbucket says (Retry-After) or after a minute; a 5xx or
// an unreachable server is `BitbucketUnavailable`, retried with backoff. Messages name the method and path,
// never the query string or the credentials.
import { ApplicationFailure } from '@temporalio/common';
import { retryAfterMs } from '../../http/retry-after.js';
import type { ForgeTarget } from '../port.js';

/** Answers that sending again cannot change. */
const FINAL = new Set([400, 401, 403, 404, 405, 409, 410, 413, 414, 422]);
/** The wait after a 429 that names none (Bitbucket's limits are per hour, its 429s usually name none). */
const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;

export type Query = Record<string, string | number | boolean | undefined>;

/** Basic auth (an Atlassian account and its API token or app password), or a Bearer access token. */
export type BitbucketAuth = { username: string; password: string } | { token: string };

export interface BitbucketApiOptions {
  /** The REST API's root, e.g. `https://api.bitbucket.org/2.0` (config `api_url`). */
  apiUrl: string;
  auth: BitbucketAuth;
  /** Per request; default 30 s. */
  timeoutMs?: number;
}

/** The credentials' own account (`GET /user`). */
export interface BitbucketUserRef {
  uuid: string;
  nickname: string;
  display_name?: string;
  account_id?: string;
}

/** A page of a Bitbucket list. */
export interface Page<T> {
  values: T[];
  next?: string;
}

/** What a failed Bitbucket call carries in the failure's details (first entry). */
export interface BitbucketFailureDetails {
  status: number;
  apiMessage?: string;
}

/** The failure for one Bitbucket answer (`status` 0: no answer at all). */
export function bitbucketFailure(
  call: string,
  status: number,
  headers: Headers,
  apiMessage: string,
  now = Date.now(),
): ApplicationFailure {
  const message = `Bitbucket ${call} answered ${status}${apiMessage ? `: ${apiMessage}` : ''}`;
  const details: BitbucketFailureDetails[] = [{ status, ...(apiMessage ? { apiMessage } : {}) }];
  const wait = retryAfterMs((name) => headers.get(name), now);
  if (status === 429) {
    const ms = wait ?? DEFAULT_RATE_LIMIT_WAIT_MS;
    return ApplicationFailure.create({
      type: 'BitbucketRateLimited',
      message: `${message} (retrying in ${Math.ceil(ms / 1000)}s)`,
      nextRetryDelay: ms,
      details,
    });
  }
  if (FINAL.has(status))
    return ApplicationFailure.create({ type: `Bitbucket${status}`, message, nonRetryable: true, details });
  return ApplicationFailure.create({
    type: 'BitbucketUnavailable',
    message: wait === undefined ? message : `${message} (retrying in ${Math.ceil(wait / 1000)}s)`,
    ...(wait === undefined ? {} : { nextRetryDelay: Math.max(1000, wait) }),
    details,
  });
}

/** The type of a Bitbucket failure (`Bitbucket404`...), or undefined for anything else. */
export const failureType = (err: unknown): string | undefined =>
  err instanceof ApplicationFailure ? (err.type ?? undefined) : undefined;

/** Bitbucket's message in an error body: `{"type": "error", "error": {"message": "...", "detail": ...}}`. */
function apiMessageOf(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } };
    if (typeof body.error?.message === 'string') return body.error.message;
  } catch {
    /* not JSON (an HTML error page, a proxy's text) */
  }
  return '';
}

export class BitbucketApi {
  private readonly root: string;
  private me?: Promise<BitbucketUserRef>;
  /** Requests sent by this client (for the callers' request counts). */
  requests = 0;

  constructor(private readonly options: BitbucketApiOptions) {
    this.root = options.apiUrl.replace(/\/+$/, '');
  }

  /** The web root where pull requests and commits are shown (`https://bitbucket.org` for Cloud). */
  get webUrl(): string {
    const u = new URL(this.root);
    if (u.hostname === 'api.bitbucket.org') return 'https://bitbucket.org';
    return this.root.replace(/\/(api\/)?2\.0$/, '');
  }

  /** `/repositories/<workspace>/<repo_slug>` of a target. */
  repo(t: ForgeTarget): string {
    return `/repositories/${encodeURIComponent(t.owner)}/${encodeURIComponent(t.repo)}`;
  }

  /** The credentials' own account (`GET /user`), asked once per client. */
  user(): Promise<BitbucketUserRef> {
    this.me ??= this.get<BitbucketUserRef>('/user').then(
      (u) => ({ uuid: u.uuid, nickname: u.nickname, display_name: u.display_name, account_id: u.account_id }),
      (err: unknown) => {
        this.me = undefined; // a failure is not remembered
        throw err;
      },
    );
    return this.me;
  }

  private authorization(): string {
    const a = this.options.auth;
    return 'token' in a
      ? `Bearer ${a.token}`
      : `Basic ${Buffer.from(`${a.username}:${a.password}`).toString('base64')}`;
  }

  /** One call to a path under the API root; the raw response (its body unread). */
  send(method: string, path: string, opts: { query?: Query; body?: unknown } = {}): Promise<Response> {
    const url = new URL(this.root + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return this.sendTo(method, url, `${method} ${path}`, opts.body);
  }

  private async sendTo(method: string, url: URL, call: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { authorization: this.authorization(), accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    this.requests++;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      throw ApplicationFailure.create({
        type: 'BitbucketUnavailable',
        message: `Bitbucket ${call} got no answer (${cause})`,
        details: [{ status: 0 }],
      });
    }
    if (res.ok) return res;
    const text = await res.text().catch(() => '');
    throw bitbucketFailure(call, res.status, res.headers, apiMessageOf(text));
  }

  /** A call answered in JSON. */
  async json<T>(method: string, path: string, opts: { query?: Query; body?: unknown } = {}): Promise<T> {
    const text = await (await this.send(method, path, opts)).text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.json<T>('GET', path, { query });
  }

  /**
   * Every value of a list, following its `next` link up to `maxPages` pages; `truncated` when Bitbucket had
   * more. A `next` off the API's own origin is refused: the credentials go nowhere else.
   */
  async paginate<T>(path: string, query: Query = {}, maxPages = Infinity): Promise<{ items: T[]; truncated: boolean }> {
    const items: T[] = [];
    let res = await this.send('GET', path, { query });
    for (let n = 1; ; n++) {
      const page = (await res.json()) as Page<T>;
      items.push(...page.values);
      if (!page.next) return { items, truncated: false };
      if (n >= maxPages) return { items, truncated: true };
      const next = new URL(page.next);
      if (next.origin !== new URL(this.root).origin || !next.pathname.startsWith(new URL(this.root).pathname))
        throw ApplicationFailure.create({
          type: 'BitbucketBadNext',
          message: `Bitbucket GET ${path} gave a next page outside its API (${next.origin})`,
          nonRetryable: true,
        });
      res = await this.sendTo('GET', next, `GET ${path} (page ${n + 1})`);
    }
  }
}
