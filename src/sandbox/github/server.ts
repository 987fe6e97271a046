// The GitHub sandbox: a local HTTP server that behaves like the subset of api.github.com this project
// uses, including GitHub's limits and errors. It is the only stand-in for github.com, used by the tests
// and by the quick start. Everything it receives is kept and can be queried. Requests are checked against
// GitHub's published description of these routes (github-contract.json, contract.ts): what GitHub refuses
// is refused with GitHub's 422, and comments, labels and reviews on issues or pull requests that do not
// exist (addPull, addIssue, addIssuesOf) are 404.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import { pageOf } from './page.js';
import { HookDeliveries } from './hooks.js';
import { SandboxGraphql } from './graphql.js';
import { contract, queryProblems, validateBody, type Operation } from './contract.js';

export interface SandboxComment {
  id: number;
  owner: string;
  repo: string;
  issueNumber: number;
  body: string;
  user: string;
  created_at: string;
  updated_at: string;
}

export interface SandboxStatus {
  id: number;
  owner: string;
  repo: string;
  sha: string;
  state: 'error' | 'failure' | 'pending' | 'success';
  context: string;
  description?: string;
  target_url?: string;
  user: string;
  created_at: string;
}

export interface SandboxCheckRun {
  id: number;
  owner: string;
  repo: string;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  details_url?: string;
  external_id?: string;
  output: { title?: string; summary?: string; text?: string; annotations: Record<string, unknown>[] };
  /** Every status the run went through, in order. */
  history: string[];
}

export interface SandboxRequest {
  method: string;
  path: string;
  status: number;
  at: number;
  /** The query string, without its `?` ('' when none). */
  query: string;
  body?: unknown;
}

interface Fault {
  status: number;
  headers: Record<string, string>;
  message: string;
  remaining: number;
  /** Only requests matching this method+path regex are failed. */
  match?: RegExp;
}

/** The sandbox's REST operations answered outside `route` (the App's, authenticated by its JWT). */
const INLINE_OPERATIONS = [
  'POST /app/installations/{installation_id}/access_tokens',
  'GET /app/installations/{installation_id}',
  'GET /app',
  'GET /app/hook/deliveries',
  'POST /app/hook/deliveries/{delivery_id}/attempts',
];

const pathRegex = (template: string) =>
  new RegExp('^' + template.replace('{path}', '(.+)').replace(/\{[a-z_]+\}/g, '([^/]+)') + '$');

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: unknown[],
  ) {
    super(message);
  }
}

type Handler = (req: {
  params: string[];
  body: any;
  query: URLSearchParams;
  token: Token;
  accept: string;
  /** The request's absolute URL, for Link headers. */
  url: string;
}) => {
  status?: number;
  body: unknown;
  type?: string;
  headers?: Record<string, string>;
};

interface Token {
  value: string;
  kind: 'installation' | 'personal';
  login: string;
}

export interface SandboxSnapshot {
  nextId: number;
  comments: SandboxComment[];
  checkRuns: SandboxCheckRun[];
  statuses?: SandboxStatus[];
  reviews: GitHubSandbox['reviews'];
  deploys: GitHubSandbox['deploys'];
  labels: [string, string[]][];
  pulls: [string, { pull: Record<string, unknown>; files: Record<string, unknown>[]; diff: string }][];
  issues?: [string, boolean][];
  contents: [string, string][];
}

export class GitHubSandbox {
  readonly comments: SandboxComment[] = [];
  readonly checkRuns: SandboxCheckRun[] = [];
  /** Commit statuses, oldest first (a personal token's stand-in for check runs). */
  readonly statuses: SandboxStatus[] = [];
  readonly reviews: {
    id: number;
    owner: string;
    repo: string;
    pullNumber: number;
    body: string;
    event: string;
    user: string;
  }[] = [];
  readonly labels = new Map<string, Set<string>>();
  readonly requests: SandboxRequest[] = [];
  /**
   * What GitHub would have refused or ignored: each 422 the contract caused, and each query parameter
   * GitHub does not know (it ignores those). Tests assert the product caused none.
   */
  readonly violations: { method: string; path: string; problem: string }[] = [];
  /** Repository permission by `owner/repo:login` (admin, maintain, write, triage, read, none). */
  readonly permissions = new Map<string, string>();
  /** Team members by `org/team`. */
  readonly teams = new Map<string, Set<string>>();
  /** Pull requests by `owner/repo#n`: the PR object, its files and its diff. */
  readonly pulls = new Map<string, { pull: Record<string, unknown>; files: Record<string, unknown>[]; diff: string }>();
  /** The login that app installation tokens act as. */
  botLogin = 'aofbot[bot]';
  /** GitHub Apps by id: their public key, to verify the JWT that asks for an installation token. */
  readonly apps = new Map<string, KeyObject>();
  /** Deploys received by the stand-in deploy hook, once per idempotency key. */
  readonly deploys: { environment: string; key: string; body: unknown; at: number }[] = [];
  /** Installation tokens issued, newest last. */
  readonly issuedTokens: { installationId: number; token: string; expires_at: string }[] = [];
  /** Webhook deliveries of the App's hook and of repository and organization hooks; seed them in tests. */
  readonly deliveries = new HookDeliveries(
    () => this.id(),
    (payload) => this.addIssuesOf(payload),
  );

  private server?: Server;
  private nextId = 1000;
  private faults: Fault[] = [];
  private afterCommit: { remaining: number; match?: RegExp; mode: 'status500' | 'reset' | { delayMs: number } }[] = [];
  private afterCommitRate?: { rate: number; match?: RegExp; random: () => number };
  /** Answers failed after their write was performed (failAfterCommit and failAfterCommitRate), in total. */
  afterCommitFaults = 0;
  /** By `METHOD /path/{template}`. */
  private routes: [string, RegExp, Handler][] = [];

  constructor() {
    this.defineRoutes();
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, host, resolve));
    return this.url;
  }

  get url(): string {
    const a = this.server?.address() as AddressInfo | undefined;
    if (!a) throw new Error('sandbox not started');
    return `http://127.0.0.1:${a.port}`;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  /** Answer the next `count` matching requests with a secondary rate limit (403 + retry-after). */
  secondaryRateLimit(count: number, retryAfterSeconds: number, match?: RegExp): void {
    this.faults.push({
      status: 403,
      headers: { 'retry-after': String(retryAfterSeconds) },
      message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
      remaining: count,
      match,
    });
  }

  /** Answer the next `count` matching requests with an exhausted primary rate limit. */
  primaryRateLimit(count: number, resetInSeconds: number, match?: RegExp): void {
    this.faults.push({
      status: 403,
      headers: {
        'x-ratelimit-remaining': '0',
        'x-ratelimit-limit': '5000',
        'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000 + resetInSeconds)),
      },
      message: 'API rate limit exceeded for installation.',
      remaining: count,
      match,
    });
  }

  /** Answer the next `count` matching requests with `status` (e.g. 502). */
  failNext(count: number, status: number, match?: RegExp): void {
    this.faults.push({
      status,
      headers: {},
      message: status >= 500 ? 'Server Error' : 'Error',
      remaining: count,
      match,
    });
  }

  /**
   * The next `count` matching writes are performed, and then the answer fails: a 500, a reset connection,
   * or an answer held back for `delayMs` (long enough to kill the worker waiting for it).
   */
  failAfterCommit(count: number, mode: 'status500' | 'reset' | { delayMs: number }, match?: RegExp): void {
    this.afterCommit.push({ remaining: count, match, mode });
  }

  /**
   * From now on, each matching write is performed and then, with probability `rate`, its answer is a 500
   * or a reset connection (half each): the chaos of a GitHub that commits and fails to say so. `rate` 0
   * ends it; `random` is for tests.
   */
  failAfterCommitRate(rate: number, match?: RegExp, random: () => number = Math.random): void {
    this.afterCommitRate = rate > 0 ? { rate, match, random } : undefined;
  }

  registerApp(appId: string | number, publicKeyPem: string): void {
    this.apps.set(String(appId), createPublicKey(publicKeyPem));
  }

  /** The App's installations by id: the account (user or organization) each is installed on. */
  readonly installations = new Map<number, string>();

  /** Installs the App on `account` as installation `id`; GitHub refuses tokens for any other id. */
  registerInstallation(id: number, account: string): void {
    this.installations.set(id, account);
  }

  /** File contents by `owner/repo@ref:path`. */
  readonly contents = new Map<string, string>();
  /** GraphQL blobs larger than this come back cut (isTruncated), as GitHub cuts large blobs' text. */
  blobTextLimit = 512 * 1024;
  private readonly graphql = new SandboxGraphql({
    content: (owner, repo, ref, path) => this.contents.get(`${owner}/${repo}@${ref}:${path}`),
    repositoryExists: (owner, repo) =>
      [...this.pulls.keys(), ...this.contents.keys()].some(
        (k) => k.startsWith(`${owner}/${repo}#`) || k.startsWith(`${owner}/${repo}@`),
      ),
    textLimit: () => this.blobTextLimit,
    comments: (owner, repo, number) =>
      this.exists(owner, repo, number, 'pull') ? this.commentsOn(owner, repo, number) : undefined,
  });

  /** A pull request with its changed files; a file's `content` becomes its head version. */
  addPull(
    owner: string,
    repo: string,
    pull: Record<string, any>,
    files: Record<string, unknown>[] = [],
    diff = '',
  ): void {
    this.pulls.set(`${owner}/${repo}#${pull.number}`, { pull, files: files.map(({ content: _c, ...f }) => f), diff });
    for (const f of files)
      if (typeof f.content === 'string')
        this.contents.set(`${owner}/${repo}@${pull.head?.sha}:${f.filename}`, f.content);
  }

  /**
   * Issues and pull requests that exist besides those added with addPull, by `owner/repo#n` (lower case,
   * as GitHub's names are case-insensitive): true for a pull request. Comments, reviews and labels on
   * any other number are 404, as on GitHub.
   */
  readonly issues = new Map<string, boolean>();

  /** An issue (or, with `pull`, a pull request without files or diff) that exists. */
  addIssue(owner: string, repo: string, number: number, pull = false): void {
    const key = `${owner}/${repo}#${number}`.toLowerCase();
    this.issues.set(key, pull || this.issues.get(key) === true);
  }

  /**
   * Registers the issue or pull request a webhook payload names: GitHub sends events only for those that
   * exist, so whatever a delivered event is about exists here too (the test harness calls this for each
   * event it sends, `aofctl simulate` for each event it simulates).
   */
  addIssuesOf(payload: unknown): void {
    const p = payload as Record<string, any> | null;
    const [owner, repo] = String(p?.repository?.full_name ?? '').split('/');
    if (!p || !owner || !repo) return;
    const add = (n: unknown, pull: boolean) => Number.isInteger(n) && this.addIssue(owner, repo, n as number, pull);
    add(p.issue?.number, Boolean(p.issue?.pull_request));
    add(p.pull_request?.number, true);
    for (const pr of [...(p.check_suite?.pull_requests ?? []), ...(p.check_run?.pull_requests ?? [])])
      add(pr?.number, true);
  }

  /** Whether an issue (`pull`: a pull request) of this number exists. */
  exists(owner: string, repo: string, number: number, what: 'issue' | 'pull'): boolean {
    if (this.pulls.has(`${owner}/${repo}#${number}`)) return true;
    const known = this.issues.get(`${owner}/${repo}#${number}`.toLowerCase());
    return what === 'issue' ? known !== undefined : known === true;
  }

  commentsOn(owner: string, repo: string, issueNumber: number): SandboxComment[] {
    return this.comments.filter((c) => c.owner === owner && c.repo === repo && c.issueNumber === issueNumber);
  }

  /** What a user has seen happen (for `aofctl dev` to keep across restarts), as plain JSON. */
  snapshot(): SandboxSnapshot {
    return {
      nextId: this.nextId,
      comments: this.comments,
      checkRuns: this.checkRuns,
      statuses: this.statuses,
      reviews: this.reviews,
      deploys: this.deploys,
      labels: [...this.labels].map(([k, v]) => [k, [...v]]),
      pulls: [...this.pulls],
      issues: [...this.issues],
      contents: [...this.contents],
    };
  }

  /** Takes back a snapshot; ids continue after the highest one, so none is reused. */
  restore(s: Partial<SandboxSnapshot>): void {
    this.comments.push(...(s.comments ?? []));
    this.checkRuns.push(...(s.checkRuns ?? []));
    this.statuses.push(...(s.statuses ?? []));
    this.reviews.push(...(s.reviews ?? []));
    this.deploys.push(...(s.deploys ?? []));
    for (const [k, v] of s.labels ?? []) this.labels.set(k, new Set(v));
    for (const [k, v] of s.pulls ?? []) this.pulls.set(k, v);
    for (const [k, v] of s.issues ?? []) this.issues.set(k, v);
    for (const [k, v] of s.contents ?? []) this.contents.set(k, v);
    this.nextId = Math.max(this.nextId, s.nextId ?? 0);
  }

  reset(): void {
    this.comments.length = 0;
    this.checkRuns.length = 0;
    this.statuses.length = 0;
    this.reviews.length = 0;
    this.requests.length = 0;
    this.violations.length = 0;
    this.labels.clear();
    this.deploys.length = 0;
    this.faults = [];
    this.afterCommit = [];
    this.afterCommitRate = undefined;
    this.afterCommitFaults = 0;
    this.deliveries.reset();
  }

  private id(): number {
    return this.nextId++;
  }

  /** `pattern` is the path as GitHub's REST reference writes it (`{path}` of contents may hold slashes). */
  private route(method: string, pattern: string, handler: Handler) {
    this.routes.push([`${method} ${pattern}`, pathRegex(pattern), handler]);
  }

  /**
   * The REST operations this sandbox serves, as `METHOD /path/{template}`: the ones
   * `npm run github:contract` takes from GitHub's OpenAPI description (GraphQL is not REST).
   */
  static operations(): string[] {
    return [...INLINE_OPERATIONS, ...new GitHubSandbox().routes.map(([key]) => key)].filter(
      (k) => k !== 'POST /graphql',
    );
  }

  /** The contract's operation a request is for. */
  private operationOf(method: string, path: string): Operation | undefined {
    const ops = contract().operations;
    for (const key of [...INLINE_OPERATIONS, ...this.routes.map(([k]) => k)]) {
      const [m, template] = key.split(' ') as [string, string];
      if (m === method && pathRegex(template).test(path)) return ops[key];
    }
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const method = req.method ?? 'GET';
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: any;
    const record = (status: number) =>
      this.requests.push({ method, path: url.pathname, status, at: Date.now(), query: url.search.slice(1), body });
    const send = (
      status: number,
      payload: unknown,
      headers: Record<string, string> = {},
      type = 'application/json; charset=utf-8',
    ) => {
      record(status);
      res.writeHead(status, {
        'content-type': type,
        'x-github-media-type': 'github.v3; format=json',
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '4999',
        'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 3600),
        ...headers,
      });
      res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
    };
    const docs = 'https://docs.github.com/rest';
    /** Sends the answer of a committed write, unless a fault scripted for after the commit replaces it. */
    const committed = async (answer: () => void) => {
      const matches = (re?: RegExp) => !re || re.test(`${method} ${url.pathname}`);
      let late = method !== 'GET' ? this.afterCommit.find((f) => f.remaining > 0 && matches(f.match)) : undefined;
      const chaos = this.afterCommitRate;
      if (!late && method !== 'GET' && chaos && matches(chaos.match) && chaos.random() < chaos.rate)
        late = { remaining: 1, mode: chaos.random() < 0.5 ? 'status500' : 'reset' };
      if (late) {
        late.remaining--;
        this.afterCommitFaults++;
        if (late.mode === 'reset') {
          record(0);
          return void req.socket.destroy();
        }
        if (late.mode === 'status500') return send(500, { message: 'Server Error' });
        await new Promise((r) => setTimeout(r, (late.mode as { delayMs: number }).delayMs));
      }
      answer();
    };
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      return send(400, { message: 'Problems parsing JSON', documentation_url: docs });
    }
    if (method === 'POST' && url.pathname === '/_sandbox/pulls') {
      // Seeding, for `aofctl simulate`: the PR of a simulated event, with its changed files.
      const { owner, repo, pull, files } = body ?? {};
      if (!owner || !repo || !pull?.number) return send(422, { message: 'owner, repo and pull.number are required' });
      this.addPull(owner, repo, pull, files ?? []);
      return send(201, { ok: true });
    }
    if (method === 'POST' && url.pathname === '/_sandbox/events') {
      // Seeding, for `aofctl simulate`: the issue or pull request a simulated event is about exists.
      this.addIssuesOf(body);
      return send(201, { ok: true });
    }
    if (method === 'POST' && url.pathname.startsWith('/_sandbox/deploy/')) {
      // A stand-in deploy hook for the quick start's flows; it honours the idempotency key.
      const key = String(req.headers['idempotency-key'] ?? '');
      if (!this.deploys.some((d) => d.key === key))
        this.deploys.push({ environment: url.pathname.slice('/_sandbox/deploy/'.length), key, body, at: Date.now() });
      return committed(() => send(200, { deployed: true }));
    }
    if (url.pathname.startsWith('/_sandbox/')) return send(200, this.inspect(url.pathname));

    // The App's own routes answer before the token check below: check their requests here.
    const appRefused = url.pathname.startsWith('/app') ? this.checkContract(method, url, body) : undefined;
    if (appRefused) return send(422, { ...appRefused, documentation_url: docs });

    const tokenRoute = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(url.pathname);
    if (method === 'POST' && tokenRoute) {
      const issued = this.issueInstallationToken(req.headers.authorization, Number(tokenRoute[1]));
      if ('error' in issued) return send(401, { message: issued.error, documentation_url: docs });
      if ('missing' in issued) return send(404, { message: 'Not Found', documentation_url: docs });
      return send(201, issued);
    }

    // GET /app/installations/{installation_id}: only the App's JWT may ask; unknown ids are 404.
    const installationRoute = /^\/app\/installations\/(\d+)$/.exec(url.pathname);
    if (method === 'GET' && installationRoute) {
      const app = this.verifyAppJwt(req.headers.authorization);
      if ('error' in app) return send(401, { message: app.error, documentation_url: docs });
      const id = Number(installationRoute[1]);
      const account = this.installations.get(id);
      if (account === undefined) return send(404, { message: 'Not Found', documentation_url: docs });
      return send(200, {
        id,
        account: { login: account, id: this.id(), type: 'Organization' },
        app_id: Number(app.appId),
        target_type: 'Organization',
        repository_selection: 'all',
        permissions: { issues: 'write', pull_requests: 'write', checks: 'write' },
      });
    }

    if (method === 'GET' && url.pathname === '/app') {
      const app = this.verifyAppJwt(req.headers.authorization);
      return 'error' in app
        ? send(401, { message: app.error, documentation_url: docs })
        : send(200, { id: Number(app.appId), slug: this.botLogin.replace(/\[bot\]$/, ''), name: 'aof sandbox app' });
    }

    // The App's own hook: like GET /app, only an App JWT may read or redeliver its deliveries.
    const appHook = /^\/app\/hook\/deliveries(?:\/(\d+)\/attempts)?$/.exec(url.pathname);
    if (appHook) {
      const app = this.verifyAppJwt(req.headers.authorization);
      if ('error' in app) return send(401, { message: app.error, documentation_url: docs });
      if (method === 'GET' && !appHook[1]) {
        const page = this.deliveries.list('app', url.searchParams, this.requestUrl(url));
        return send(200, page.body, page.headers);
      }
      if (method === 'POST' && appHook[1])
        return this.deliveries.redeliver('app', Number(appHook[1]))
          ? send(202, {})
          : send(404, { message: 'Not Found', documentation_url: docs });
      return send(404, { message: 'Not Found', documentation_url: docs });
    }

    const token = this.authenticate(req.headers.authorization);
    if (!token) return send(401, { message: 'Requires authentication', documentation_url: docs });
    const refused = url.pathname.startsWith('/app') ? undefined : this.checkContract(method, url, body);
    if (refused) return send(422, { ...refused, documentation_url: docs });

    const fault = this.faults.find((f) => f.remaining > 0 && (!f.match || f.match.test(`${method} ${url.pathname}`)));
    if (fault) {
      fault.remaining--;
      return send(fault.status, { message: fault.message, documentation_url: docs }, fault.headers);
    }

    for (const [key, re, handler] of this.routes) {
      const match = key.startsWith(`${method} `) ? re.exec(url.pathname) : null;
      if (!match) continue;
      try {
        const out = handler({
          params: match.slice(1).map(decodeURIComponent),
          body: body ?? {},
          query: url.searchParams,
          token,
          accept: String(req.headers.accept ?? ''),
          url: this.requestUrl(url),
        });
        return await committed(() => send(out.status ?? 200, out.body, out.headers, out.type));
      } catch (err) {
        if (err instanceof HttpError) {
          return send(err.status, {
            message: err.message,
            ...(err.errors ? { errors: err.errors } : {}),
            documentation_url: docs,
          });
        }
        return send(500, { message: 'Server Error' });
      }
    }
    return send(404, { message: 'Not Found', documentation_url: docs });
  }

  /**
   * Checks a request against GitHub's contract: a body GitHub would refuse is the 422 GitHub answers; a
   * query parameter GitHub would ignore is recorded in `violations`.
   */
  private checkContract(
    method: string,
    url: URL,
    body: unknown,
  ): { message: string; errors?: Record<string, unknown>[] } | undefined {
    let op: Operation | undefined;
    try {
      op = this.operationOf(method, url.pathname);
    } catch (err) {
      // A contract that does not load is the sandbox's own fault: say so rather than hang the request.
      return { message: `GitHub sandbox: ${(err as Error).message}` };
    }
    if (!op) return undefined;
    for (const problem of queryProblems(op, url.searchParams))
      this.violations.push({ method, path: url.pathname, problem });
    if (!op.body) return undefined;
    const problems = validateBody(op.body, body ?? {});
    if (!problems.length) return undefined;
    for (const p of problems) this.violations.push({ method, path: url.pathname, problem: `${p.at}: ${p.message}` });
    const custom = problems.filter((p) => p.resource);
    if (custom.length === problems.length)
      return {
        message: 'Validation Failed',
        errors: custom.map((p) => ({ resource: p.resource, code: 'custom', field: p.field, message: p.message })),
      };
    return { message: `Invalid request.\n\n${problems.map((p) => p.message).join('\n')}` };
  }

  /** POST /app/installations/:id/access_tokens, authenticated by an RS256 JWT of a registered app. */
  private issueInstallationToken(
    header: string | undefined,
    installationId: number,
  ): Record<string, unknown> | { error: string } | { missing: true } {
    const app = this.verifyAppJwt(header);
    if ('error' in app) return app;
    if (!this.installations.has(installationId)) return { missing: true };
    const issued = {
      installationId,
      token: `ghs_${randomBytes(18).toString('hex')}`,
      expires_at: new Date(Date.now() + 3600_000).toISOString(),
    };
    this.issuedTokens.push(issued);
    return {
      token: issued.token,
      expires_at: issued.expires_at,
      permissions: { issues: 'write', pull_requests: 'write', checks: 'write' },
      repository_selection: 'all',
    };
  }

  /** An RS256 JWT signed by a registered app, as GitHub checks it. */
  private verifyAppJwt(header: string | undefined): { appId: string } | { error: string } {
    const jwt = /^bearer\s+([\w-]+)\.([\w-]+)\.([\w-]+)$/i.exec(header ?? '');
    if (!jwt) return { error: 'A JSON web token could not be decoded' };
    const claims = JSON.parse(Buffer.from(jwt[2]!, 'base64url').toString('utf8')) as {
      iss?: string | number;
      exp?: number;
      iat?: number;
    };
    const key = this.apps.get(String(claims.iss));
    if (!key) return { error: `Integration not found: ${claims.iss}` };
    const signed = Buffer.from(`${jwt[1]}.${jwt[2]}`);
    if (!verify('RSA-SHA256', signed, key, Buffer.from(jwt[3]!, 'base64url')))
      return { error: 'A JSON web token could not be decoded' };
    const now = Math.floor(Date.now() / 1000);
    if (!claims.exp || claims.exp < now || claims.exp - (claims.iat ?? now) > 600)
      return { error: "'Expiration time' claim ('exp') is too far in the future or has passed" };
    return { appId: String(claims.iss) };
  }

  /** The URL a client used, as GitHub's Link headers give it (absolute, on this server). */
  private requestUrl(url: URL): string {
    return `${this.url}${url.pathname}${url.search}`;
  }

  private authenticate(header: string | undefined): Token | undefined {
    const m = /^(?:token|bearer)\s+(\S+)$/i.exec(header ?? '');
    if (!m) return undefined;
    const value = m[1]!;
    const kind = value.startsWith('ghs_') ? 'installation' : 'personal';
    return { value, kind, login: kind === 'installation' ? this.botLogin : 'sandbox-user' };
  }

  private inspect(path: string): unknown {
    const what = path.slice('/_sandbox/'.length);
    if (what === 'comments') return this.comments;
    if (what === 'check-runs') return this.checkRuns;
    if (what === 'statuses') return this.statuses;
    if (what === 'reviews') return this.reviews;
    if (what === 'labels') return Object.fromEntries([...this.labels].map(([k, v]) => [k, [...v]]));
    if (what === 'requests') return this.requests;
    if (what === 'deploys') return this.deploys;
    return {
      endpoints: ['comments', 'check-runs', 'statuses', 'reviews', 'labels', 'deploys', 'requests'].map(
        (e) => `/_sandbox/${e}`,
      ),
    };
  }

  private defineRoutes() {
    const html = (owner: string, repo: string, rest: string) => `https://github.com/${owner}/${repo}/${rest}`;
    const commentJson = (c: SandboxComment) => ({
      id: c.id,
      node_id: `IC_${c.id}`,
      body: c.body,
      user: { login: c.user, type: c.user.endsWith('[bot]') ? 'Bot' : 'User' },
      html_url: html(c.owner, c.repo, `issues/${c.issueNumber}#issuecomment-${c.id}`),
      created_at: c.created_at,
      updated_at: c.updated_at,
    });
    // The body's schema and limits are the contract's (checked before any route runs).
    const existing = (owner: string, repo: string, n: string, what: 'issue' | 'pull') => {
      if (!this.exists(owner, repo, Number(n), what)) throw new HttpError(404, 'Not Found');
    };

    this.route(
      'POST',
      '/repos/{owner}/{repo}/issues/{issue_number}/comments',
      ({ params: [owner, repo, n], body, token }) => {
        existing(owner!, repo!, n!, 'issue');
        const now = new Date().toISOString();
        const c: SandboxComment = {
          id: this.id(),
          owner: owner!,
          repo: repo!,
          issueNumber: Number(n),
          body: body.body,
          user: token.login,
          created_at: now,
          updated_at: now,
        };
        this.comments.push(c);
        return { status: 201, body: commentJson(c) };
      },
    );
    this.route(
      'GET',
      '/repos/{owner}/{repo}/issues/{issue_number}/comments',
      ({ params: [owner, repo, n], query, url }) => {
        existing(owner!, repo!, n!, 'issue');
        return pageOf(this.commentsOn(owner!, repo!, Number(n)).map(commentJson), query, url);
      },
    );
    this.route('PATCH', '/repos/{owner}/{repo}/issues/comments/{comment_id}', ({ params: [owner, repo, id], body }) => {
      const c = this.comments.find((x) => x.id === Number(id) && x.owner === owner && x.repo === repo);
      if (!c) throw new HttpError(404, 'Not Found');
      c.body = body.body;
      c.updated_at = new Date().toISOString();
      return { body: commentJson(c) };
    });

    this.route(
      'POST',
      '/repos/{owner}/{repo}/pulls/{pull_number}/reviews',
      ({ params: [owner, repo, n], body, token }) => {
        existing(owner!, repo!, n!, 'pull');
        if ((body.event === 'REQUEST_CHANGES' || body.event === 'COMMENT') && !body.body) {
          throw new HttpError(422, 'Unprocessable Entity: Review Comment is missing body.');
        }
        const r = {
          id: this.id(),
          owner: owner!,
          repo: repo!,
          pullNumber: Number(n),
          body: String(body.body ?? ''),
          event: body.event ?? 'PENDING',
          user: token.login,
        };
        this.reviews.push(r);
        return {
          body: {
            id: r.id,
            body: r.body,
            state:
              r.event === 'APPROVE' ? 'APPROVED' : r.event === 'REQUEST_CHANGES' ? 'CHANGES_REQUESTED' : 'COMMENTED',
            user: { login: r.user },
          },
        };
      },
    );

    const labelKey = (owner: string, repo: string, n: string) => `${owner}/${repo}#${n}`;
    const labelsJson = (set: Set<string>) => [...set].map((name) => ({ name, color: 'ededed', default: false }));
    this.route('POST', '/repos/{owner}/{repo}/issues/{issue_number}/labels', ({ params: [owner, repo, n], body }) => {
      existing(owner!, repo!, n!, 'issue');
      const labels = (body.labels as (string | { name: string })[]).map((l) => (typeof l === 'string' ? l : l.name));
      const key = labelKey(owner!, repo!, n!);
      const set = this.labels.get(key) ?? new Set<string>();
      labels.forEach((l) => set.add(l));
      this.labels.set(key, set);
      return { body: labelsJson(set) };
    });
    this.route(
      'DELETE',
      '/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}',
      ({ params: [owner, repo, n, name] }) => {
        existing(owner!, repo!, n!, 'issue');
        const set = this.labels.get(labelKey(owner!, repo!, n!));
        if (!set?.delete(name!)) throw new HttpError(404, 'Label does not exist');
        return { body: labelsJson(set) };
      },
    );

    // Enums, required fields and lengths are the contract's; what it cannot say is checked here.
    const validateCheck = (body: any) => {
      if (body.status === 'completed' && !body.conclusion)
        throw new HttpError(
          422,
          'Invalid request.\n\nNo subschema in "anyOf" matched.\n"conclusion" wasn\'t supplied.',
        );
    };
    const checkJson = (c: SandboxCheckRun) => ({
      id: c.id,
      name: c.name,
      head_sha: c.head_sha,
      status: c.status,
      conclusion: c.conclusion,
      details_url: c.details_url ?? null,
      external_id: c.external_id ?? null,
      html_url: html(c.owner, c.repo, `runs/${c.id}`),
      output: {
        title: c.output.title ?? null,
        summary: c.output.summary ?? null,
        text: c.output.text ?? null,
        annotations_count: c.output.annotations.length,
      },
    });
    const applyCheck = (c: SandboxCheckRun, body: any) => {
      if (body.status) c.status = body.status;
      if (body.conclusion) [c.status, c.conclusion] = ['completed', body.conclusion];
      if (body.details_url) c.details_url = body.details_url;
      if (body.output) {
        for (const k of ['title', 'summary', 'text'] as const)
          if (body.output[k] !== undefined) c.output[k] = body.output[k];
        // Annotations are appended by every update, as on GitHub.
        c.output.annotations.push(...(body.output.annotations ?? []));
      }
      c.history.push(c.conclusion ? `${c.status}:${c.conclusion}` : c.status);
    };
    this.route('POST', '/repos/{owner}/{repo}/check-runs', ({ params: [owner, repo], body, token }) => {
      if (token.kind !== 'installation') throw new HttpError(403, 'You must authenticate via a GitHub App.');
      validateCheck(body);
      const c: SandboxCheckRun = {
        id: this.id(),
        owner: owner!,
        repo: repo!,
        name: body.name,
        head_sha: body.head_sha,
        external_id: body.external_id,
        status: 'queued',
        conclusion: null,
        output: { annotations: [] },
        history: [],
      };
      applyCheck(c, body);
      this.checkRuns.push(c);
      return { status: 201, body: checkJson(c) };
    });
    this.route(
      'PATCH',
      '/repos/{owner}/{repo}/check-runs/{check_run_id}',
      ({ params: [owner, repo, id], body, token }) => {
        if (token.kind !== 'installation') throw new HttpError(403, 'You must authenticate via a GitHub App.');
        const c = this.checkRuns.find((x) => x.id === Number(id) && x.owner === owner && x.repo === repo);
        if (!c) throw new HttpError(404, 'Not Found');
        validateCheck(body);
        applyCheck(c, body);
        return { body: checkJson(c) };
      },
    );

    this.route('GET', '/repos/{owner}/{repo}/check-runs/{check_run_id}', ({ params: [owner, repo, id] }) => {
      const c = this.checkRuns.find((x) => x.id === Number(id) && x.owner === owner && x.repo === repo);
      if (!c) throw new HttpError(404, 'Not Found');
      return { body: checkJson(c) };
    });

    // Commit statuses: any token with repo access may set them, unlike check runs.
    this.route('POST', '/repos/{owner}/{repo}/statuses/{sha}', ({ params: [owner, repo, sha], body, token }) => {
      const st: SandboxStatus = {
        id: this.id(),
        owner: owner!,
        repo: repo!,
        sha: sha!,
        state: body.state,
        context: body.context ?? 'default',
        description: body.description,
        target_url: body.target_url,
        user: token.login,
        created_at: new Date().toISOString(),
      };
      this.statuses.push(st);
      return { status: 201, body: { ...st, creator: { login: st.user } } };
    });
    this.route('GET', '/repos/{owner}/{repo}/commits/{ref}/statuses', ({ params: [owner, repo, ref], query, url }) =>
      pageOf(
        this.statuses
          .filter((x) => x.owner === owner && x.repo === repo && x.sha === ref)
          .reverse()
          .map((x) => ({ ...x, creator: { login: x.user } })),
        query,
        url,
      ),
    );
    this.route(
      'GET',
      '/repos/{owner}/{repo}/commits/{ref}/check-runs',
      ({ params: [owner, repo, ref], query, url }) => {
        // As GitHub: newest first; `filter=latest` (the default) keeps the newest run of each name; pages
        // of per_page (at most 100) with a Link header, and total_count counts every page.
        const name = query.get('check_name');
        const status = query.get('status');
        const latest = query.get('filter') !== 'all';
        const seen = new Set<string>();
        const runs = this.checkRuns
          .filter((c) => c.owner === owner && c.repo === repo && c.head_sha === ref)
          .filter((c) => (!name || c.name === name) && (!status || c.status === status))
          .reverse()
          .filter((c) => !latest || (!seen.has(c.name) && seen.add(c.name)));
        const page = pageOf(runs.map(checkJson), query, url);
        return { body: { total_count: runs.length, check_runs: page.body }, headers: page.headers };
      },
    );
    this.route(
      'GET',
      '/repos/{owner}/{repo}/pulls/{pull_number}/reviews',
      ({ params: [owner, repo, n], query, url }) => {
        existing(owner!, repo!, n!, 'pull');
        const reviews = this.reviews.filter((r) => r.owner === owner && r.repo === repo && r.pullNumber === Number(n));
        // Oldest first, in pages of per_page (at most 100), as GitHub lists them.
        return pageOf(
          reviews.map((r) => ({
            id: r.id,
            body: r.body,
            state:
              r.event === 'APPROVE' ? 'APPROVED' : r.event === 'REQUEST_CHANGES' ? 'CHANGES_REQUESTED' : 'COMMENTED',
            user: { login: r.user },
          })),
          query,
          url,
        );
      },
    );
    this.route('GET', '/repos/{owner}/{repo}/pulls/{pull_number}', ({ params: [owner, repo, n], accept }) => {
      const p = this.pulls.get(`${owner}/${repo}#${n}`);
      if (!p) throw new HttpError(404, 'Not Found');
      if (accept.includes('diff')) return { body: p.diff, type: 'text/plain; charset=utf-8' };
      return { body: p.pull };
    });
    this.route('GET', '/repos/{owner}/{repo}/pulls/{pull_number}/files', ({ params: [owner, repo, n], query, url }) => {
      const p = this.pulls.get(`${owner}/${repo}#${n}`);
      if (!p) throw new HttpError(404, 'Not Found');
      return pageOf(p.files, query, url);
    });
    this.route('POST', '/graphql', ({ body, token }) => this.graphql.execute(body, token.login));
    this.route('GET', '/repos/{owner}/{repo}/contents/{path}', ({ params: [owner, repo, path], query }) => {
      const content = this.contents.get(`${owner}/${repo}@${query.get('ref')}:${path}`);
      if (content === undefined) throw new HttpError(404, 'Not Found');
      const bytes = Buffer.from(content, 'utf8');
      return {
        body: {
          type: 'file',
          encoding: 'base64',
          size: bytes.length,
          name: path!.split('/').pop(),
          path,
          content: bytes.toString('base64'),
        },
      };
    });
    this.route(
      'GET',
      '/repos/{owner}/{repo}/collaborators/{username}/permission',
      ({ params: [owner, repo, user] }) => {
        // As GitHub: 404 for someone who is not a collaborator; `permission` is the legacy field (maintain
        // reads as write, triage as read), `role_name` the real role.
        const role = this.permissions.get(`${owner}/${repo}:${user!.toLowerCase()}`);
        if (!role) throw new HttpError(404, `${user} is not a user`);
        const legacy = ({ maintain: 'write', triage: 'read' } as Record<string, string>)[role] ?? role;
        return { body: { permission: legacy, role_name: role, user: { login: user } } };
      },
    );
    // Repository and organization hooks' deliveries (a token with admin rights on the hook, on GitHub).
    for (const scope of ['repos/{owner}/{repo}', 'orgs/{org}'])
      this.route('GET', `/${scope}/hooks/{hook_id}/deliveries`, ({ params, query, url }) => {
        const page = this.deliveries.list(hookKey(scope, params), query, url);
        return { body: page.body, headers: page.headers };
      });
    for (const scope of ['repos/{owner}/{repo}', 'orgs/{org}'])
      this.route('POST', `/${scope}/hooks/{hook_id}/deliveries/{delivery_id}/attempts`, ({ params }) => {
        if (!this.deliveries.redeliver(hookKey(scope, params.slice(0, -1)), Number(params[params.length - 1])))
          throw new HttpError(404, 'Not Found');
        return { status: 202, body: {} };
      });
    this.route('GET', '/user', ({ token }) => {
      if (token.kind === 'installation') throw new HttpError(403, 'Resource not accessible by integration');
      return { body: { login: token.login, id: 1, type: 'User' } };
    });
    this.route('GET', '/orgs/{org}/teams/{team_slug}/memberships/{username}', ({ params: [org, team, user] }) => {
      if (!this.teams.get(`${org}/${team}`)?.has(user!.toLowerCase())) throw new HttpError(404, 'Not Found');
      return { body: { state: 'active', role: 'member', url: `/orgs/${org}/teams/${team}/memberships/${user}` } };
    });
  }
}

/** `repos/<owner>/<repo>/hooks/<id>` or `orgs/<org>/hooks/<id>`, from a route's scope and parameters. */
function hookKey(scope: string, params: string[]): string {
  return scope.startsWith('repos')
    ? `repos/${params[0]}/${params[1]}/hooks/${params[2]}`
    : `orgs/${params[0]}/hooks/${params[1]}`;
}

/** A comment's body as GitHub renders it: without the hidden operation marker of an idempotent write. */
export const rendered = (body: string) => body.replace(/\n\n<!-- aof:op=[0-9a-f]+ -->$/, '');
