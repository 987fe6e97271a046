// What the Bitbucket sandbox knows: accounts and their credentials, repositories with their commits, files and
// permissions, pull requests with their changes, comments, participants, build statuses and Code Insights
// reports. Tests seed it with the add* methods and read what the product did from the same objects.
import type { SandboxRequest } from '../http-server.js';
import { createHash, randomUUID } from 'node:crypto';

export interface BitbucketUser {
  uuid: string;
  nickname: string;
  displayName: string;
  accountId: string;
  /** `app_user` for apps and access tokens' bot accounts (Data Center: `SERVICE`). */
  type: 'user' | 'app_user';
  /** Data Center: the user's numeric id and slug (its name is the nickname). */
  id: number;
  slug: string;
}

export type RepoPermission = 'read' | 'write' | 'admin';

export interface BitbucketRepository {
  workspace: string;
  slug: string;
  /** Permissions by user uuid. */
  permissions: Map<string, RepoPermission>;
  /** File contents by `<full commit hash>:<path>`. */
  files: Map<string, string>;
  /** Full commit hashes that exist (a short hash names one by prefix). */
  commits: Set<string>;
}

export interface BitbucketFileChange {
  path: string;
  status: 'added' | 'removed' | 'modified' | 'renamed';
  oldPath?: string;
  /** The file's hunks (from its first `@@`), as the diff shows them. */
  patch: string;
  /** Its content at the head (absent for a removed file). */
  content?: string;
}

export interface BitbucketPullRequest {
  id: number;
  repo: string;
  title: string;
  authorUuid: string;
  state: 'OPEN' | 'MERGED' | 'DECLINED' | 'SUPERSEDED';
  sourceBranch: string;
  destBranch: string;
  /** Full hashes; the API shows them abbreviated to 12 characters, as Bitbucket does. */
  sourceCommit: string;
  destCommit: string;
  changes: BitbucketFileChange[];
  /** A draft (Cloud's `draft`; Data Center 8.18+'s `draft`). */
  draft: boolean;
  /** Reviewers' states by user uuid. */
  participants: Map<string, 'approved' | 'changes_requested'>;
}

export interface BitbucketComment {
  id: number;
  repo: string;
  prId: number;
  raw: string;
  userUuid: string;
  deleted: boolean;
  createdOn: string;
  updatedOn: string;
  /** Data Center: the comment's version, one more on each edit (an edit names the version it read). */
  version?: number;
  /** An inline comment's place: the file and its line on the new side (Cloud's `inline.to`, Data Center's `anchor`). */
  inline?: { path: string; line: number };
  /** A reply's parent comment. */
  parentId?: number;
  /** The account that resolved the thread this comment starts (uuid), and when. */
  resolvedBy?: string;
  resolvedOn?: string;
}

export interface BitbucketBuildStatus {
  repo: string;
  commit: string;
  key: string;
  state: string;
  name: string;
  url: string;
  description: string;
  createdOn: string;
  updatedOn: string;
  /** Every state it was set to, in order (for assertions). */
  history: string[];
}

export interface BitbucketReport {
  repo: string;
  commit: string;
  id: string;
  uuid: string;
  fields: Record<string, unknown>;
  /** Annotations by external_id (or uuid when none was given). */
  annotations: Map<string, Record<string, unknown>>;
}

/** A request the sandbox received. */
export interface RecordedRequest extends SandboxRequest {
  /** The authenticated account's nickname. */
  nickname?: string;
}

export class BitbucketState {
  readonly users = new Map<string, BitbucketUser>();
  /** Bearer tokens and `username:password` pairs: the account they act as (uuid). */
  readonly credentials = new Map<string, string>();
  readonly repositories = new Map<string, BitbucketRepository>();
  /** Data Center's groups (instance-wide): their members' uuids by group name. */
  readonly groups = new Map<string, Set<string>>();
  readonly pullRequests = new Map<string, BitbucketPullRequest>();
  readonly comments: BitbucketComment[] = [];
  readonly statuses: BitbucketBuildStatus[] = [];
  readonly reports: BitbucketReport[] = [];
  readonly requests: RecordedRequest[] = [];
  /** Parameters the product sent that Bitbucket does not document for the endpoint. */
  readonly violations: { method: string; path: string; problem: string }[] = [];
  private nextId = 1000;

  id(): number {
    return this.nextId++;
  }

  now(): string {
    return new Date().toISOString();
  }

  /** An account; `token` (Bearer) and/or `password` (Basic, with its `email` as the username). */
  addUser(o: { nickname: string; token?: string; email?: string; password?: string; app?: boolean }): BitbucketUser {
    const uuid = `{${randomUUID()}}`;
    const u: BitbucketUser = {
      uuid,
      nickname: o.nickname,
      displayName: o.nickname,
      accountId: createHash('sha256').update(o.nickname).digest('hex').slice(0, 24),
      type: o.app ? 'app_user' : 'user',
      id: this.id(),
      slug: o.nickname.toLowerCase().replace(/[^a-z0-9._-]/g, '_'),
    };
    this.users.set(uuid, u);
    if (o.token) this.credentials.set(o.token, uuid);
    if (o.password) this.credentials.set(`${o.email ?? o.nickname}:${o.password}`, uuid);
    return u;
  }

  mustUser(nickname: string): BitbucketUser {
    const u = [...this.users.values()].find((x) => x.nickname === nickname);
    if (!u) throw new Error(`no Bitbucket user ${nickname}`);
    return u;
  }

  /** A Data Center group of the accounts `members` (nicknames). */
  addGroup(name: string, members: string[]): void {
    this.groups.set(name, new Set(members.map((n) => this.mustUser(n).uuid)));
  }

  addRepository(fullName: string, permissions: Record<string, RepoPermission> = {}): BitbucketRepository {
    const [workspace, slug] = fullName.split('/') as [string, string];
    const r: BitbucketRepository = { workspace, slug, permissions: new Map(), files: new Map(), commits: new Set() };
    for (const [nick, p] of Object.entries(permissions)) r.permissions.set(this.mustUser(nick).uuid, p);
    this.repositories.set(fullName, r);
    return r;
  }

  /** A pull request whose source commit holds `changes` (their contents at that commit). */
  addPullRequest(
    repo: string,
    o: {
      id: number;
      author: string;
      sourceCommit: string;
      destCommit?: string;
      changes: BitbucketFileChange[];
      title?: string;
      draft?: boolean;
    },
  ): BitbucketPullRequest {
    const r = this.repositories.get(repo);
    if (!r) throw new Error(`no Bitbucket repository ${repo}`);
    const pr: BitbucketPullRequest = {
      id: o.id,
      repo,
      title: o.title ?? 'A change',
      authorUuid: this.mustUser(o.author).uuid,
      state: 'OPEN',
      sourceBranch: 'feature',
      destBranch: 'main',
      sourceCommit: o.sourceCommit,
      destCommit: o.destCommit ?? '0'.repeat(40),
      changes: [],
      draft: o.draft === true,
      participants: new Map(),
    };
    r.commits.add(pr.destCommit);
    this.pullRequests.set(`${repo}#${o.id}`, pr);
    this.push(repo, o.id, o.sourceCommit, o.changes);
    return pr;
  }

  /** New commits on the pull request: its source commit and changes move on. */
  push(repo: string, id: number, sourceCommit: string, changes: BitbucketFileChange[]): void {
    const pr = this.pullRequests.get(`${repo}#${id}`)!;
    const r = this.repositories.get(repo)!;
    pr.sourceCommit = sourceCommit;
    pr.changes = changes;
    r.commits.add(sourceCommit);
    for (const c of changes) if (c.content !== undefined) r.files.set(`${sourceCommit}:${c.path}`, c.content);
  }

  pullRequest(repo: string, id: number): BitbucketPullRequest | undefined {
    return this.pullRequests.get(`${repo}#${id}`);
  }

  commentsOf(repo: string, id: number): BitbucketComment[] {
    return this.comments.filter((c) => c.repo === repo && c.prId === id);
  }

  /** The full hash a full or abbreviated (at least 7 characters) hash names in the repository. */
  resolveCommit(r: BitbucketRepository, hash: string): string | undefined {
    if (!/^[0-9a-f]{7,40}$/.test(hash)) return undefined;
    const found = [...r.commits].filter((c) => c.startsWith(hash));
    return found.length === 1 ? found[0] : undefined;
  }

  /** Forgets recorded activity (requests, comments, statuses, reports); seeded data stays. */
  resetActivity(): void {
    this.requests.length = 0;
    this.violations.length = 0;
  }
}
