// A small client of Bitbucket's REST APIs, Cloud's 2.0 and Data Center's 1.0 (an `api_url` ending in
// `/rest/api/1.0` selects it): JSON over src/http/forge-http.ts, Basic auth (`username` + an API token, app password or Data
// Center's HTTP access token) or a Bearer access token (`oauth_token`). Lists are paged per API: Cloud's by
// their `next` link, Data Center's by `start`/`limit` until `isLastPage` (`nextPageStart`). Every failure
// becomes a Temporal ApplicationFailure whose type the caller can test, as GitLab's do
// (src/forges/gitlab/api.ts): a refusal (400, 401, 403, 404, 409...) is `Bitbucket<status>` and final; a rate
// limit (429) is `BitbucketRateLimited`, retried when Bitbucket says (Retry-After) or after a minute; a 5xx or
// an unreachable server is `BitbucketUnavailable`, retried with backoff. Messages name the method and path,
// never the query string or the credentials. Error bodies are read in either API's shape (Cloud's
// `{"error": {"message"}}`, Data Center's `{"errors": [{"message"}]}`).
import { flavorOf, type BitbucketFlavor } from './flavor.js';
import { ApplicationFailure } from '@temporalio/common';
import {
  failureType,
  forgeFailure,
  forgeRequest,
  type ForgeFailureDetails,
  type HttpAnswer,
} from '../../http/forge-http.js';
import type { ForgeTarget } from '../port.js';

export type Query = Record<string, string | number | boolean | undefined>;

/** Basic auth (an Atlassian account and its API token or app password), or a Bearer access token. */
export type BitbucketAuth = { username: string; password: string } | { token: string };

export interface BitbucketApiOptions {
  /** The REST API's root, e.g. `https://api.bitbucket.org/2.0` or `https://git.example.com/rest/api/1.0` (config `api_url`). */
  apiUrl: string;
  auth: BitbucketAuth;
  /** Per request; default 30 s. */
  timeoutMs?: number;
}

/** The credentials' own account (Cloud: `GET /user`; Data Center: its user, `uuid` its numeric id). */
export interface BitbucketUserRef {
  uuid: string;
  /** Cloud's nickname; Data Center's user name. */
  nickname: string;
  display_name?: string;
  account_id?: string;
  /** Data Center: the user's slug (what its URLs name a user by). */
  slug?: string;
}

/** A page of a Bitbucket list: Cloud's (`next`) or Data Center's (`isLastPage`, `nextPageStart`). */
export interface Page<T> {
  values: T[];
  next?: string;
  /** Cloud: how many the whole list holds (optional in its answers). */
  size?: number;
  isLastPage?: boolean;
  nextPageStart?: number;
}

/** Data Center's user entity. */
interface DataCenterUser {
  id: number;
  name: string;
  slug: string;
  displayName?: string;
  type?: string;
}

/** What a failed Bitbucket call carries in the failure's details (first entry). */
export type BitbucketFailureDetails = ForgeFailureDetails;

/** The failure for one Bitbucket answer (`status` 0: no answer at all); a 429 waits for Retry-After or a minute. */
export const bitbucketFailure = (
  call: string,
  status: number,
  headers: Pick<Headers, 'get'>,
  apiMessage: string,
  now = Date.now(),
): ApplicationFailure => forgeFailure('Bitbucket', call, status, headers, apiMessage, { now });

export { failureType };

/**
 * Bitbucket's message in an error body: Cloud's `{"type": "error", "error": {"message": "...", "detail": ...}}`,
 * Data Center's `{"errors": [{"context": ..., "message": "...", "exceptionName": ...}]}` (its messages joined).
 */
function apiMessageOf(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown }; errors?: { message?: unknown }[] };
    if (typeof body.error?.message === 'string') return body.error.message;
    if (Array.isArray(body.errors))
      return body.errors
        .map((e) => e?.message)
        .filter((m): m is string => typeof m === 'string')
        .join('; ');
  } catch {
    /* not JSON (an HTML error page, a proxy's text) */
  }
  return '';
}

export class BitbucketApi {
  /** Cloud: the 2.0 API's root. Data Center: the `/rest` root its REST APIs hang under (`/api/1.0`, `/insights/1.0`). */
  private readonly root: string;
  private me?: Promise<BitbucketUserRef>;
  readonly flavor: BitbucketFlavor;
  /** Requests sent by this client (for the callers' request counts). */
  requests = 0;

  constructor(private readonly options: BitbucketApiOptions) {
    this.flavor = flavorOf(options.apiUrl);
    const root = options.apiUrl.replace(/\/+$/, '');
    this.root = this.flavor === 'data-center' ? root.replace(/\/api\/(1\.0|latest)$/, '') : root;
  }

  /** The web root where pull requests and commits are shown (`https://bitbucket.org` for Cloud). */
  get webUrl(): string {
    if (this.flavor === 'data-center') return this.root.replace(/\/rest$/, '');
    const u = new URL(this.root);
    if (u.hostname === 'api.bitbucket.org') return 'https://bitbucket.org';
    return this.root.replace(/\/(api\/)?2\.0$/, '');
  }

  /** A target's repository: `/repositories/<workspace>/<repo_slug>` (Cloud), `/api/1.0/projects/<KEY>/repos/<slug>` (Data Center). */
  repo(t: ForgeTarget): string {
    const [owner, repo] = [encodeURIComponent(t.owner), encodeURIComponent(t.repo)];
    return this.flavor === 'data-center'
      ? `/api/1.0/projects/${owner}/repos/${repo}`
      : `/repositories/${owner}/${repo}`;
  }

  /**
   * The credentials' own account, asked once per client. Cloud: `GET /user`. Data Center has no such
   * resource: every answer names the authenticated user in `X-AUSERNAME`, which `GET /users?filter=` then
   * turns into the user (slug, id); Basic auth's username stands in when a proxy dropped the header.
   */
  user(): Promise<BitbucketUserRef> {
    this.me ??= (this.flavor === 'data-center' ? this.dataCenterUser() : this.get<BitbucketUserRef>('/user')).then(
      (u) => ({
        uuid: u.uuid,
        nickname: u.nickname,
        display_name: u.display_name,
        account_id: u.account_id,
        ...(u.slug ? { slug: u.slug } : {}),
      }),
      (err: unknown) => {
        this.me = undefined; // a failure is not remembered
        throw err;
      },
    );
    return this.me;
  }

  private async dataCenterUser(): Promise<BitbucketUserRef> {
    const res = await this.send('GET', '/api/1.0/application-properties');
    await res.cancel();
    const a = this.options.auth;
    const name = res.headers.get('x-ausername') ?? ('username' in a ? a.username : undefined);
    if (!name)
      throw ApplicationFailure.create({
        type: 'BitbucketNoIdentity',
        message: "Bitbucket Data Center did not name the token's user (no X-AUSERNAME in its answer)",
        nonRetryable: true,
      });
    const { items } = await this.paginate<DataCenterUser>('/api/1.0/users', { filter: name });
    const u = items.find((x) => x.name.toLowerCase() === name.toLowerCase() || x.slug === name.toLowerCase());
    if (!u)
      throw ApplicationFailure.create({
        type: 'BitbucketNoIdentity',
        message: `Bitbucket Data Center has no user named ${name}`,
        nonRetryable: true,
      });
    return { uuid: String(u.id), nickname: u.name, slug: u.slug, display_name: u.displayName };
  }

  private authorization(): string {
    const a = this.options.auth;
    return 'token' in a
      ? `Bearer ${a.token}`
      : `Basic ${Buffer.from(`${a.username}:${a.password}`).toString('base64')}`;
  }

  /** One call to a path under the API root; the raw response (its body unread). */
  send(method: string, path: string, opts: { query?: Query; body?: unknown } = {}): Promise<HttpAnswer> {
    const url = new URL(this.root + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return this.sendTo(method, url, `${method} ${path}`, opts.body);
  }

  private sendTo(method: string, url: URL, call: string, body?: unknown): Promise<HttpAnswer> {
    const headers: Record<string, string> = { authorization: this.authorization(), accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    this.requests++;
    const init = {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      timeoutMs: this.options.timeoutMs,
    };
    return forgeRequest('Bitbucket', call, url, init, (status, headers, text) =>
      bitbucketFailure(call, status, headers, apiMessageOf(text)),
    );
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
   * Every value of a list, up to `maxPages` pages; `truncated` when Bitbucket had more. Cloud: following
   * its `next` link, refused off the API's own origin (the credentials go nowhere else). Data Center: asking
   * again from `nextPageStart` until `isLastPage` (`limit` is the caller's query, else the server's default).
   */
  async paginate<T>(
    path: string,
    query: Query = {},
    maxPages = Infinity,
  ): Promise<{ items: T[]; truncated: boolean; size?: number }> {
    const items: T[] = [];
    let res = await this.send('GET', path, { query });
    for (let n = 1; ; n++) {
      const page = await res.json<Page<T>>();
      items.push(...page.values);
      const more = this.flavor === 'data-center' ? page.isLastPage === false : Boolean(page.next);
      // Cloud's `size` counts the whole list (where it says); Data Center's counts the page only.
      const size = this.flavor !== 'data-center' && typeof page.size === 'number' ? { size: page.size } : {};
      if (!more) return { items, truncated: false, ...size };
      if (n >= maxPages) return { items, truncated: true, ...size };
      if (this.flavor === 'data-center') {
        if (typeof page.nextPageStart !== 'number')
          throw ApplicationFailure.create({
            type: 'BitbucketBadNext',
            message: `Bitbucket GET ${path} said more pages follow but gave no nextPageStart`,
            nonRetryable: true,
          });
        res = await this.send('GET', path, { query: { ...query, start: page.nextPageStart } });
        continue;
      }
      const next = new URL(page.next!);
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
