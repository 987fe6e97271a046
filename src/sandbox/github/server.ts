// The GitHub sandbox: a local HTTP server that behaves like the subset of api.github.com this project
// uses, including GitHub's limits and errors. It is the only stand-in for github.com, used by the tests
// and by the quick start. Everything it receives is kept and can be queried. Requests are checked against
// GitHub's published description of these routes (github-contract.json, contract.ts): what GitHub refuses
// is refused with GitHub's 422, and comments, labels and reviews on issues or pull requests that do not
// exist (addPull, addIssue, addIssuesOf) are 404. This file is the HTTP shell (fault injection, the request
// log, authentication, the contract check); each resource group of GitHub's REST reference answers in its
// own file (issues.ts, pulls.ts, checks.ts, statuses.ts, repos.ts, commits.ts, actions.ts, hooks.ts,
// users.ts, teams.ts, apps.ts, graphql.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { actionRoutes, runKey, type SandboxRuleAnswer } from './actions.js';
import { APP_OPERATIONS, appAnswer } from './apps.js';
import { checkRoutes } from './checks.js';
import { commitRoutes } from './commits.js';
import { contract, queryProblems, validateBody, type Operation } from './contract.js';
import { graphqlRoutes } from './graphql.js';
import { HookDeliveries, hookRoutes } from './hooks.js';
import { SandboxHttpServer } from '../http-server.js';
import { DOCS, HttpError, pathRegex, type Handler, type Route, type Token } from './http.js';
import { issueRoutes } from './issues.js';
import { pullRoutes } from './pulls.js';
import type {
  SandboxCheckRun,
  SandboxComment,
  SandboxCommitComment,
  SandboxRequest,
  SandboxReviewThread,
  SandboxSnapshot,
  SandboxStatus,
} from './records.js';
import { repoRoutes } from './repos.js';
import { statusRoutes } from './statuses.js';
import { teamRoutes } from './teams.js';
import { userRoutes } from './users.js';

export type * from './records.js';

interface Fault {
  status: number;
  headers: Record<string, string>;
  message: string;
  remaining: number;
  /** Only requests matching this method+path regex are failed. */
  match?: RegExp;
  /** Only requests whose JSON body matches too (e.g. one GraphQL query among others). */
  body?: RegExp;
}

export class GitHubSandbox extends SandboxHttpServer {
  readonly comments: SandboxComment[] = [];
  /** Comments on commits, oldest first. */
  readonly commitComments: SandboxCommitComment[] = [];
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
  /** Review threads (a review's line comments and their replies), oldest first. */
  readonly reviewThreads: SandboxReviewThread[] = [];
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
  /**
   * Comparisons by `owner/repo@base...head` (a merge group's commits and changed files); a file's
   * `content` becomes its version at `head`.
   */
  readonly comparisons = new Map<
    string,
    { commits: { sha: string; message: string }[]; files: Record<string, unknown>[] }
  >();
  /** The login that app installation tokens act as. */
  botLogin = 'aofbot[bot]';
  /** GitHub Apps by id: their public key, to verify the JWT that asks for an installation token. */
  readonly apps = new Map<string, KeyObject>();
  /** Deploys received by the stand-in deploy hook, once per idempotency key. */
  readonly deploys: { environment: string; key: string; body: unknown; at: number }[] = [];
  /**
   * Actions runs waiting on custom deployment protection rules: by `owner/repo#run` (lower case), the
   * environments still waiting for the App's answer (addPendingRule, or a delivered request: addIssuesOf).
   */
  readonly pendingRules = new Map<string, Set<string>>();
  /** The App's answers to protection rules, oldest first (one per rule: GitHub refuses a second). */
  readonly ruleAnswers: SandboxRuleAnswer[] = [];
  /** Installation tokens issued, newest last. */
  readonly issuedTokens: { installationId: number; token: string; expires_at: string }[] = [];
  /** Webhook deliveries of the App's hook and of repository and organization hooks; seed them in tests. */
  readonly deliveries = new HookDeliveries(
    () => this.id(),
    (payload) => this.addIssuesOf(payload),
  );

  private nextId = 1000;
  private faults: Fault[] = [];
  private afterCommit: { remaining: number; match?: RegExp; mode: 'status500' | 'reset' | { delayMs: number } }[] = [];
  private afterCommitRate?: { rate: number; match?: RegExp; random: () => number };
  /** Answers failed after their write was performed (failAfterCommit and failAfterCommitRate), in total. */
  afterCommitFaults = 0;
  /** By `METHOD /path/{template}`. */
  private routes: [string, RegExp, Handler][] = [];

  constructor() {
    super('sandbox not started');
    for (const r of [
      ...issueRoutes(this),
      ...pullRoutes(this),
      ...checkRoutes(this),
      ...statusRoutes(this),
      ...repoRoutes(this),
      ...commitRoutes(this),
      ...actionRoutes(this),
      ...hookRoutes(this),
      ...userRoutes(),
      ...teamRoutes(this),
      ...graphqlRoutes(this),
    ])
      this.route(r);
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

  /** Answer the next `count` matching requests (`body`: whose JSON body matches too) with `status` (e.g. 502). */
  failNext(count: number, status: number, match?: RegExp, body?: RegExp): void {
    this.faults.push({
      status,
      headers: {},
      message: status >= 500 ? 'Server Error' : 'Error',
      remaining: count,
      match,
      body,
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

  /** A comparison of two commits (a merge group's), its files' `content` becoming their versions at `head`. */
  addComparison(
    owner: string,
    repo: string,
    base: string,
    head: string,
    commits: { sha: string; message: string }[],
    files: Record<string, unknown>[],
  ): void {
    this.comparisons.set(`${owner}/${repo}@${base}...${head}`, {
      commits,
      files: files.map(({ content: _c, ...f }) => f),
    });
    for (const f of files)
      if (typeof f.content === 'string') this.contents.set(`${owner}/${repo}@${head}:${f.filename}`, f.content);
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
    for (const pr of [
      ...(p.check_suite?.pull_requests ?? []),
      ...(p.check_run?.pull_requests ?? []),
      ...(Array.isArray(p.pull_requests) ? p.pull_requests : []),
    ])
      add(pr?.number, true);
    // A protection rule's request: its run waits on the environment (the run named by the callback's path).
    const run = /\/actions\/runs\/(\d+)\/deployment_protection_rule$/.exec(String(p.deployment_callback_url ?? ''));
    if (run && typeof p.environment === 'string') this.addPendingRule(owner, repo, Number(run[1]), p.environment);
  }

  /** Actions run `runId` of `owner/repo` waits on `environment`'s custom deployment protection rule. */
  addPendingRule(owner: string, repo: string, runId: number, environment: string): void {
    const key = runKey(owner, repo, runId);
    this.pendingRules.set(key, (this.pendingRules.get(key) ?? new Set()).add(environment));
  }

  /** Whether an issue (`pull`: a pull request) of this number exists. */
  exists(owner: string, repo: string, number: number, what: 'issue' | 'pull'): boolean {
    if (this.pulls.has(`${owner}/${repo}#${number}`)) return true;
    const known = this.issues.get(`${owner}/${repo}#${number}`.toLowerCase());
    return what === 'issue' ? known !== undefined : known === true;
  }

  /** The review threads of a pull request, oldest first. */
  threadsOn(owner: string, repo: string, pullNumber: number): SandboxReviewThread[] {
    return this.reviewThreads.filter((t) => t.owner === owner && t.repo === repo && t.pullNumber === pullNumber);
  }

  /** A person replies in a thread (as the web UI's reply does). */
  replyInThread(threadId: string, user: string, body: string): void {
    const t = this.reviewThreads.find((x) => x.id === threadId);
    if (!t) throw new Error(`no review thread ${threadId}`);
    t.comments.push({ id: this.id(), body, user });
  }

  /** A person resolves a thread (as the web UI's "Resolve conversation" does). */
  resolveThread(threadId: string, user: string): void {
    const t = this.reviewThreads.find((x) => x.id === threadId);
    if (!t) throw new Error(`no review thread ${threadId}`);
    t.resolved = true;
    t.resolvedBy = user.endsWith('[bot]') ? null : user;
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
      reviewThreads: this.reviewThreads,
      deploys: this.deploys,
      labels: [...this.labels].map(([k, v]) => [k, [...v]]),
      pulls: [...this.pulls],
      issues: [...this.issues],
      contents: [...this.contents],
      commitComments: this.commitComments,
      pendingRules: [...this.pendingRules].map(([k, v]) => [k, [...v]]),
      ruleAnswers: this.ruleAnswers,
    };
  }

  /** Takes back a snapshot; ids continue after the highest one, so none is reused. */
  restore(s: Partial<SandboxSnapshot>): void {
    this.comments.push(...(s.comments ?? []));
    this.checkRuns.push(...(s.checkRuns ?? []));
    this.statuses.push(...(s.statuses ?? []));
    this.reviews.push(...(s.reviews ?? []));
    this.reviewThreads.push(...(s.reviewThreads ?? []));
    this.deploys.push(...(s.deploys ?? []));
    for (const [k, v] of s.labels ?? []) this.labels.set(k, new Set(v));
    for (const [k, v] of s.pulls ?? []) this.pulls.set(k, v);
    for (const [k, v] of s.issues ?? []) this.issues.set(k, v);
    for (const [k, v] of s.contents ?? []) this.contents.set(k, v);
    this.commitComments.push(...(s.commitComments ?? []));
    for (const [k, v] of s.pendingRules ?? []) this.pendingRules.set(k, new Set(v));
    this.ruleAnswers.push(...(s.ruleAnswers ?? []));
    this.nextId = Math.max(this.nextId, s.nextId ?? 0);
  }

  reset(): void {
    this.comments.length = 0;
    this.commitComments.length = 0;
    this.checkRuns.length = 0;
    this.statuses.length = 0;
    this.reviews.length = 0;
    this.reviewThreads.length = 0;
    this.requests.length = 0;
    this.violations.length = 0;
    this.labels.clear();
    this.deploys.length = 0;
    this.pendingRules.clear();
    this.ruleAnswers.length = 0;
    this.faults = [];
    this.afterCommit = [];
    this.afterCommitRate = undefined;
    this.afterCommitFaults = 0;
    this.deliveries.reset();
  }

  /** The next id (of a comment, check run, review...), never reused. */
  id(): number {
    return this.nextId++;
  }

  private route({ method, pattern, handler }: Route) {
    this.routes.push([`${method} ${pattern}`, pathRegex(pattern), handler]);
  }

  /**
   * The REST operations this sandbox serves, as `METHOD /path/{template}`: the ones
   * `npm run github:contract` takes from GitHub's OpenAPI description (GraphQL is not REST).
   */
  static operations(): string[] {
    return [...APP_OPERATIONS, ...new GitHubSandbox().routes.map(([key]) => key)].filter((k) => k !== 'POST /graphql');
  }

  /** The contract's operation a request is for. */
  private operationOf(method: string, path: string): Operation | undefined {
    const ops = contract().operations;
    for (const key of [...APP_OPERATIONS, ...this.routes.map(([k]) => k)]) {
      const [m, template] = key.split(' ') as [string, string];
      if (m === method && pathRegex(template).test(path)) return ops[key];
    }
    return undefined;
  }

  protected async handle(req: IncomingMessage, res: ServerResponse) {
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
    const docs = DOCS;
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

    const app = appAnswer(this, method, url, req.headers.authorization, () => this.requestUrl(url));
    if (app) return send(app.status, app.body, app.headers);

    const token = this.authenticate(req.headers.authorization);
    if (!token) return send(401, { message: 'Requires authentication', documentation_url: docs });
    const refused = url.pathname.startsWith('/app') ? undefined : this.checkContract(method, url, body);
    if (refused) return send(422, { ...refused, documentation_url: docs });

    const fault = this.faults.find(
      (f) =>
        f.remaining > 0 &&
        (!f.match || f.match.test(`${method} ${url.pathname}`)) &&
        (!f.body || f.body.test(JSON.stringify(body ?? null))),
    );
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
    if (what === 'review-threads') return this.reviewThreads;
    if (what === 'labels') return Object.fromEntries([...this.labels].map(([k, v]) => [k, [...v]]));
    if (what === 'requests') return this.requests;
    if (what === 'deploys') return this.deploys;
    if (what === 'protection-rule-answers') return this.ruleAnswers;
    return {
      endpoints: [
        'comments',
        'check-runs',
        'statuses',
        'reviews',
        'review-threads',
        'labels',
        'deploys',
        'protection-rule-answers',
        'requests',
      ].map((e) => `/_sandbox/${e}`),
    };
  }
}

/** A comment's body as GitHub renders it: without the hidden operation marker of an idempotent write. */
export const rendered = (body: string) => body.replace(/\n\n<!-- aof:op=[0-9a-f]+ -->$/, '');
