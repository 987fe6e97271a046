// What the GitLab sandbox knows: users and their tokens, groups, projects, members, merge requests with
// their diffs, notes and discussions, commit statuses and repository files. Tests seed it with the add*
// methods and read what the product did from the same objects.
import type { SandboxRequest } from '../http-server.js';
import { createHash } from 'node:crypto';

/** GitLab's access levels (Guest 10, Reporter 20, Developer 30, Maintainer 40, Owner 50). */
export const ACCESS = { guest: 10, reporter: 20, developer: 30, maintainer: 40, owner: 50 } as const;

export interface GitLabUser {
  id: number;
  username: string;
  name: string;
  bot: boolean;
  state: 'active' | 'blocked';
}

export interface GitLabGroup {
  id: number;
  /** The full path, e.g. `acme/platform`. */
  fullPath: string;
  /** Members by user id: their access level. */
  members: Map<number, number>;
}

export interface GitLabProject {
  id: number;
  pathWithNamespace: string;
  defaultBranch: string;
  visibility: 'private' | 'internal' | 'public';
  /** Direct members by user id: their access level (group members are inherited on top). */
  members: Map<number, number>;
  /** File contents by `ref:path`. */
  files: Map<string, string>;
  /** Commit SHAs that exist (statuses on any other SHA are 404). */
  commits: Set<string>;
}

export interface GitLabDiff {
  old_path: string;
  new_path: string;
  a_mode: string;
  b_mode: string;
  new_file: boolean;
  renamed_file: boolean;
  deleted_file: boolean;
  generated_file: boolean;
  /** The unified diff of the file, from the first `@@` hunk header (no `---`/`+++` lines). */
  diff: string;
}

export interface GitLabMergeRequest {
  id: number;
  iid: number;
  projectId: number;
  title: string;
  description: string;
  state: 'opened' | 'closed' | 'merged' | 'locked';
  draft: boolean;
  authorId: number;
  sourceBranch: string;
  targetBranch: string;
  labels: string[];
  /** diff_refs: head is the source branch's last commit, base the merge base, start the target's tip. */
  headSha: string;
  baseSha: string;
  startSha: string;
  diffs: GitLabDiff[];
  /** Users who approved, in order. */
  approvedBy: number[];
  createdAt: string;
  updatedAt: string;
}

export interface GitLabNote {
  id: number;
  type: null | 'DiffNote' | 'DiscussionNote';
  body: string;
  authorId: number;
  system: boolean;
  internal: boolean;
  createdAt: string;
  updatedAt: string;
  /** A diff note's position, as GitLab echoes it. */
  position?: Record<string, unknown>;
  resolved?: boolean;
  /** Who resolved the thread the note is in. */
  resolvedById?: number;
}

export interface GitLabDiscussion {
  /** 40 hex characters, as GitLab's discussion ids are. */
  id: string;
  projectId: number;
  mrIid: number;
  individualNote: boolean;
  notes: GitLabNote[];
}

export type CommitState = 'created' | 'pending' | 'running' | 'success' | 'failed' | 'canceled' | 'skipped';

export interface GitLabCommitStatus {
  id: number;
  projectId: number;
  sha: string;
  ref: string | null;
  name: string;
  status: CommitState;
  description: string | null;
  targetUrl: string | null;
  coverage: number | null;
  pipelineId: number;
  authorId: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Every state this status went through, in order (for assertions). */
  history: CommitState[];
}

/** A project's or group's webhook, and the events GitLab logged for it (oldest first). */
export interface GitLabHook {
  id: number;
  projectId?: number;
  groupId?: number;
  url: string;
  /** The secret token GitLab sends as X-Gitlab-Token. */
  token?: string;
  events: GitLabHookLog[];
  /** Resend requests, by time (GitLab allows 5 a minute per hook and user). */
  resends: { userId: number; at: number }[];
}

/** One logged delivery (GitLab's WebHookLog). */
export interface GitLabHookLog {
  id: number;
  url: string;
  trigger: string;
  requestHeaders: Record<string, string>;
  requestData: unknown;
  responseHeaders: Record<string, string>;
  responseBody: string;
  executionDuration: number;
  /** `"200"`, `"500"`..., or `"internal error"` when GitLab got no answer. */
  responseStatus: string;
  createdAt: string;
}

/** A request the sandbox received. */
export interface RecordedRequest extends SandboxRequest {
  /** The authenticated user's username, when the token was valid. */
  username?: string;
}

export class GitLabState {
  readonly users = new Map<number, GitLabUser>();
  /** Personal, project or group access tokens by value: the user they act as. */
  readonly tokens = new Map<string, number>();
  readonly groups = new Map<number, GitLabGroup>();
  readonly projects = new Map<number, GitLabProject>();
  /** Merge requests by `projectId!iid`. */
  readonly mergeRequests = new Map<string, GitLabMergeRequest>();
  readonly discussions: GitLabDiscussion[] = [];
  readonly statuses: GitLabCommitStatus[] = [];
  readonly hooks = new Map<number, GitLabHook>();
  /** Every request received, oldest first. */
  readonly requests: RecordedRequest[] = [];
  /** What GitLab would have ignored or cut (undeclared parameters, per_page over 100); tests assert none. */
  readonly violations: { method: string; path: string; problem: string }[] = [];
  private nextId = 1000;
  /** The clock, for tests that need fixed times. */
  now: () => Date = () => new Date();

  id(): number {
    return this.nextId++;
  }

  timestamp(): string {
    return this.now().toISOString();
  }

  addUser(u: { username: string; id?: number; name?: string; bot?: boolean; token?: string }): GitLabUser {
    if (this.userByUsername(u.username)) throw new Error(`user ${u.username} exists`);
    const user: GitLabUser = {
      id: u.id ?? this.id(),
      username: u.username,
      name: u.name ?? u.username,
      bot: u.bot ?? false,
      state: 'active',
    };
    this.users.set(user.id, user);
    if (u.token) this.tokens.set(u.token, user.id);
    return user;
  }

  userByUsername(username: string): GitLabUser | undefined {
    return [...this.users.values()].find((u) => u.username.toLowerCase() === username.toLowerCase());
  }

  addGroup(fullPath: string, id?: number): GitLabGroup {
    const group: GitLabGroup = { id: id ?? this.id(), fullPath, members: new Map() };
    this.groups.set(group.id, group);
    return group;
  }

  groupByPath(fullPath: string): GitLabGroup | undefined {
    return [...this.groups.values()].find((g) => g.fullPath.toLowerCase() === fullPath.toLowerCase());
  }

  /** Adds `username` to a group (by full path) at an access level; subgroups inherit it. */
  addGroupMember(groupPath: string, username: string, accessLevel: number): void {
    const group = this.groupByPath(groupPath) ?? this.addGroup(groupPath);
    group.members.set(this.mustUser(username).id, accessLevel);
  }

  /** A project; its namespace's groups (every ancestor path) are created when missing. */
  addProject(p: {
    pathWithNamespace: string;
    id?: number;
    defaultBranch?: string;
    visibility?: GitLabProject['visibility'];
  }): GitLabProject {
    if (!/^[^/]+(\/[^/]+)+$/.test(p.pathWithNamespace)) throw new Error(`bad project path ${p.pathWithNamespace}`);
    const parts = p.pathWithNamespace.split('/');
    for (let i = 1; i < parts.length; i++) {
      const ns = parts.slice(0, i).join('/');
      if (!this.groupByPath(ns) && !this.userByUsername(ns)) this.addGroup(ns);
    }
    const project: GitLabProject = {
      id: p.id ?? this.id(),
      pathWithNamespace: p.pathWithNamespace,
      defaultBranch: p.defaultBranch ?? 'main',
      visibility: p.visibility ?? 'private',
      members: new Map(),
      files: new Map(),
      commits: new Set(),
    };
    this.projects.set(project.id, project);
    return project;
  }

  /** A project by numeric id or by full path (case-insensitive, as GitLab's routes are). */
  project(idOrPath: string | number): GitLabProject | undefined {
    const key = String(idOrPath);
    if (/^\d+$/.test(key)) return this.projects.get(Number(key));
    return [...this.projects.values()].find((p) => p.pathWithNamespace.toLowerCase() === key.toLowerCase());
  }

  addMember(project: string | number, username: string, accessLevel: number): void {
    this.mustProject(project).members.set(this.mustUser(username).id, accessLevel);
  }

  /**
   * A user's access level on a project counting inherited group membership (what
   * `/members/all/:user_id` answers), or undefined when not a member.
   */
  accessLevel(project: GitLabProject, userId: number): number | undefined {
    const levels: number[] = [];
    const direct = project.members.get(userId);
    if (direct !== undefined) levels.push(direct);
    const parts = project.pathWithNamespace.split('/');
    for (let i = 1; i < parts.length; i++) {
      const level = this.groupByPath(parts.slice(0, i).join('/'))?.members.get(userId);
      if (level !== undefined) levels.push(level);
    }
    // A project in a user's personal namespace is owned by that user.
    if (this.userByUsername(parts[0]!)?.id === userId && parts.length === 2) levels.push(ACCESS.owner);
    return levels.length ? Math.max(...levels) : undefined;
  }

  /** Like accessLevel for a group: its own members and those of its ancestors. */
  groupAccessLevel(group: GitLabGroup, userId: number): number | undefined {
    const parts = group.fullPath.split('/');
    const levels: number[] = [];
    for (let i = 1; i <= parts.length; i++) {
      const level = this.groupByPath(parts.slice(0, i).join('/'))?.members.get(userId);
      if (level !== undefined) levels.push(level);
    }
    return levels.length ? Math.max(...levels) : undefined;
  }

  /** A webhook on a project (id or path) or a group (full path) that sends to `url`. */
  addHook(h: { project?: string | number; group?: string; url: string; token?: string; id?: number }): GitLabHook {
    const hook: GitLabHook = {
      id: h.id ?? this.id(),
      ...(h.project !== undefined
        ? { projectId: this.mustProject(h.project).id }
        : { groupId: (this.groupByPath(h.group!) ?? this.addGroup(h.group!)).id }),
      url: h.url,
      token: h.token,
      events: [],
      resends: [],
    };
    this.hooks.set(hook.id, hook);
    return hook;
  }

  /** A file at a ref (branch name or commit SHA); a 40-hex ref also becomes a known commit. */
  addFile(project: string | number, ref: string, path: string, content: string): void {
    const p = this.mustProject(project);
    p.files.set(`${ref}:${path}`, content);
    if (/^[0-9a-f]{40}$/.test(ref)) p.commits.add(ref);
  }

  /** A commit that exists in the project's repository. */
  addCommit(project: string | number, sha: string): void {
    this.mustProject(project).commits.add(sha);
  }

  addMergeRequest(
    project: string | number,
    mr: {
      iid: number;
      author: string;
      headSha: string;
      baseSha: string;
      startSha?: string;
      title?: string;
      description?: string;
      sourceBranch?: string;
      targetBranch?: string;
      state?: GitLabMergeRequest['state'];
      draft?: boolean;
      labels?: string[];
      /** Changed files; `content` (the head version) is also stored as a repository file at headSha. */
      diffs?: (Partial<GitLabDiff> & { new_path: string; diff: string; content?: string })[];
    },
  ): GitLabMergeRequest {
    const p = this.mustProject(project);
    const at = this.timestamp();
    const merge: GitLabMergeRequest = {
      id: this.id(),
      iid: mr.iid,
      projectId: p.id,
      title: mr.title ?? `MR ${mr.iid}`,
      description: mr.description ?? '',
      state: mr.state ?? 'opened',
      draft: mr.draft ?? false,
      authorId: this.mustUser(mr.author).id,
      sourceBranch: mr.sourceBranch ?? `feature-${mr.iid}`,
      targetBranch: mr.targetBranch ?? p.defaultBranch,
      labels: [...(mr.labels ?? [])],
      headSha: mr.headSha,
      baseSha: mr.baseSha,
      startSha: mr.startSha ?? mr.baseSha,
      diffs: [],
      approvedBy: [],
      createdAt: at,
      updatedAt: at,
    };
    this.mergeRequests.set(`${p.id}!${mr.iid}`, merge);
    for (const sha of [merge.headSha, merge.baseSha, merge.startSha]) p.commits.add(sha);
    this.setDiffs(merge, mr.diffs ?? []);
    return merge;
  }

  /** A new push to a merge request's source branch: new head SHA and diffs. */
  push(
    project: string | number,
    iid: number,
    headSha: string,
    diffs?: (Partial<GitLabDiff> & { new_path: string; diff: string; content?: string })[],
  ): void {
    const mr = this.mergeRequest(this.mustProject(project), iid);
    if (!mr) throw new Error(`no merge request !${iid}`);
    mr.headSha = headSha;
    this.projects.get(mr.projectId)!.commits.add(headSha);
    mr.updatedAt = this.timestamp();
    if (diffs) this.setDiffs(mr, diffs);
  }

  private setDiffs(
    mr: GitLabMergeRequest,
    diffs: (Partial<GitLabDiff> & { new_path: string; diff: string; content?: string })[],
  ) {
    const p = this.projects.get(mr.projectId)!;
    mr.diffs = diffs.map(({ content, ...d }) => {
      if (content !== undefined) p.files.set(`${mr.headSha}:${d.new_path}`, content);
      return {
        old_path: d.old_path ?? d.new_path,
        new_path: d.new_path,
        a_mode: d.a_mode ?? (d.new_file ? '0' : '100644'),
        b_mode: d.b_mode ?? (d.deleted_file ? '0' : '100644'),
        new_file: d.new_file ?? false,
        renamed_file: d.renamed_file ?? false,
        deleted_file: d.deleted_file ?? false,
        generated_file: d.generated_file ?? false,
        diff: d.diff,
      };
    });
  }

  mergeRequest(project: GitLabProject, iid: number): GitLabMergeRequest | undefined {
    return this.mergeRequests.get(`${project.id}!${iid}`);
  }

  discussionsOf(mr: GitLabMergeRequest): GitLabDiscussion[] {
    return this.discussions.filter((d) => d.projectId === mr.projectId && d.mrIid === mr.iid);
  }

  /** Every note on a merge request (individual and in threads), oldest first. */
  notesOf(mr: GitLabMergeRequest): GitLabNote[] {
    return this.discussionsOf(mr).flatMap((d) => d.notes);
  }

  newDiscussionId(): string {
    return createHash('sha1').update(`discussion-${this.id()}-${Math.random()}`).digest('hex');
  }

  /** Clears what the product did (requests, notes, statuses, violations); keeps seeded users and projects. */
  resetActivity(): void {
    this.requests.length = 0;
    this.violations.length = 0;
    this.discussions.length = 0;
    this.statuses.length = 0;
    for (const h of this.hooks.values()) {
      h.events.length = 0;
      h.resends.length = 0;
    }
    for (const mr of this.mergeRequests.values()) mr.approvedBy.length = 0;
  }

  /** Forgets everything, seeded data included. */
  clear(): void {
    this.resetActivity();
    this.users.clear();
    this.tokens.clear();
    this.groups.clear();
    this.projects.clear();
    this.mergeRequests.clear();
    this.hooks.clear();
  }

  mustUser(username: string): GitLabUser {
    const u = this.userByUsername(username);
    if (!u) throw new Error(`no user ${username}: addUser first`);
    return u;
  }

  mustProject(idOrPath: string | number): GitLabProject {
    const p = this.project(idOrPath);
    if (!p) throw new Error(`no project ${idOrPath}: addProject first`);
    return p;
  }
}
