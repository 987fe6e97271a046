// Bitbucket Data Center's outbound side of the forge port: the ForgeVerbs over its REST API 1.0 (Bitbucket
// Server's), beside Cloud's in verbs.ts and sharing what does not depend on the API (the comment and check
// verbs over this API's paths and payloads, files at a commit, check keys, finding ids, limits, the
// authorization rule). A repository is `PROJECT/slug`: the target's owner is the
// project key. A "check" is a commit build status (`POST /api/1.0/projects/{key}/repos/{slug}/commits/{sha}/builds`,
// Data Center 7.4+) whose `key` comes from the check's name; its line findings are a Code Insights report
// (`/rest/insights/1.0/...`) with annotations.
//
// Every write survives a retry without repeating itself. Comments carry their activity's operation marker,
// looked up among the bot's own comments (the pull request's activity) on a retry only; a comment is edited
// at the version it was read at. A build status of the same key is overwritten, a report of the same key
// replaced. Annotations are not deduplicated by Data Center, so the first write of a report's findings
// clears its annotations before adding them, and a later one adds only those whose `externalId` is not there
// yet. An approval is a participant's status, set with PUT: the same again changes nothing.
import { fit } from '../text-limits.js';
import type { ChangedFile, ChangeTarget, ForgeTarget, ForgeVerbs, LineFinding, PostedComment } from '../port.js';
import { failureType, type BitbucketApi } from './api.js';
import { splitGitDiff } from './diff.js';
import { openChangesOf } from '../open-changes.js';
import { reviewThreadsVerb, reviewWithLineComments, type ThreadComment, type ThreadOps } from './review-threads.js';
import { THREAD_PAGES } from '../review-limits.js';
import {
  absentOn404,
  ANNOTATION_DETAILS_LIMIT,
  authorize,
  checkKey,
  checkVerbs,
  commentVerbs,
  filesAtVerb,
  findingText,
  inRequests,
  keyOfCheckId,
  newAnnotations,
  prState,
  REPORT_DETAILS_LIMIT,
  refusedReview,
  SEVERITY,
  statusBody,
  type BuildState,
  type StatusInput,
} from './verbs.js';

/** Data Center's limits: a build status's url (450), a report's title (450). */
const STATUS_URL_LIMIT = 450;
const REPORT_TITLE_LIMIT = { max: 450, unit: 'chars' } as const;
/** Changes asked a page (Data Center's default is 25; its `page.max.changes` 1000). */
const CHANGES_PAGE = 500;
/** Activities asked a page when looking for the bot's comments. */
const ACTIVITIES_PAGE = 100;

/** Data Center names Cloud's STOPPED `CANCELLED`. */
type DataCenterState = Exclude<BuildState, 'STOPPED'> | 'CANCELLED';
const dataCenterState = (s: BuildState): DataCenterState => (s === 'STOPPED' ? 'CANCELLED' : s);

/** Repository permissions as Data Center names them, the most first, and ours (verbs.ts's RANK). */
const PERMISSIONS: [string, string][] = [
  ['REPO_ADMIN', 'admin'],
  ['REPO_WRITE', 'write'],
  ['REPO_READ', 'read'],
];

const STATUS_OF: Record<string, string> = {
  ADD: 'added',
  COPY: 'added',
  DELETE: 'removed',
  MODIFY: 'modified',
  MOVE: 'renamed',
};

/**
 * The group an approver entry `PROJECT/group` names, where PROJECT is the repository's project key: Data
 * Center's groups are instance-wide, and an entry naming another project's key counts for none of this one's.
 */
export function groupOf(t: ForgeTarget, entry: string): string | undefined {
  const at = entry.indexOf('/');
  const [project, group] = [entry.slice(0, at), entry.slice(at + 1)];
  return project.toLowerCase() === t.owner.toLowerCase() && group ? group : undefined;
}

interface User {
  id?: number;
  name?: string;
  slug?: string;
}

interface Comment {
  id: number;
  version: number;
  text: string;
  author?: User;
  /** Replies, nested. */
  comments?: Comment[];
  anchor?: { path?: string } | null;
  threadResolved?: boolean;
  threadResolver?: User | null;
}

interface PullRequest {
  id: number;
  state: 'OPEN' | 'MERGED' | 'DECLINED';
  fromRef: { latestCommit: string };
  toRef?: { latestCommit?: string; displayId?: string };
  /** Data Center 8.18+. */
  draft?: boolean;
  title?: string;
  author?: { user?: User };
}

interface Change {
  path: { components: string[] };
  srcPath?: { components: string[] } | null;
  type: string;
  nodeType?: string;
}

interface Activity {
  action: string;
  commentAction?: string;
  comment?: Comment;
}

interface BuildStatus {
  key: string;
  state: DataCenterState | 'UNKNOWN';
  name?: string;
}

const pathOf = (p: { components: string[] }) => p.components.join('/');
const countLines = (patch: string | undefined, sign: '+' | '-') =>
  (patch ?? '').split('\n').filter((l) => l.startsWith(sign)).length;

export function createDataCenterVerbs(clientFor: (t: ForgeTarget) => BitbucketApi): ForgeVerbs {
  const prPath = (api: BitbucketApi, t: ForgeTarget, id: number) => `${api.repo(t)}/pull-requests/${id}`;
  const buildsPath = (api: BitbucketApi, t: ForgeTarget, sha: string) =>
    `${api.repo(t)}/commits/${encodeURIComponent(sha)}/builds`;
  const reportPath = (t: ForgeTarget, sha: string, key: string) =>
    `/insights/1.0/projects/${encodeURIComponent(t.owner)}/repos/${encodeURIComponent(t.repo)}/commits/${encodeURIComponent(sha)}/reports/${key}`;
  const webRepo = (api: BitbucketApi, t: ForgeTarget) =>
    `${api.webUrl}/projects/${encodeURIComponent(t.owner)}/repos/${encodeURIComponent(t.repo)}`;
  const posted = (api: BitbucketApi, t: ForgeTarget, pr: number, c: Comment): PostedComment => ({
    id: c.id,
    url: `${webRepo(api, t)}/pull-requests/${pr}/overview?commentId=${c.id}`,
  });
  const commitUrl = (api: BitbucketApi, t: ForgeTarget, sha: string) => `${webRepo(api, t)}/commits/${sha}`;

  /** The pull request's comments written by the bot, oldest first: its activity's `COMMENTED` entries. */
  async function botComments(api: BitbucketApi, t: ChangeTarget): Promise<Comment[]> {
    const me = await api.user();
    const { items } = await api.paginate<Activity>(`${prPath(api, t, t.number)}/activities`, {
      limit: ACTIVITIES_PAGE,
    });
    const seen = new Set<number>();
    return items
      .filter((a) => a.action === 'COMMENTED' && a.commentAction === 'ADDED' && a.comment)
      .map((a) => a.comment!)
      .filter((c) => c.author?.slug === me.slug && !seen.has(c.id) && seen.add(c.id))
      .reverse(); // activity comes newest first
  }

  /** Edits a comment's text at its current version (read first unless the caller has it). */
  async function editComment(
    api: BitbucketApi,
    t: ForgeTarget,
    pr: number,
    id: number,
    text: string,
    version?: number,
  ) {
    const path = `${prPath(api, t, pr)}/comments/${id}`;
    const v = version ?? (await api.get<Comment>(path)).version;
    return api.json<Comment>('PUT', path, { body: { text, version: v } });
  }

  async function setStatus(api: BitbucketApi, t: ForgeTarget, sha: string, s: StatusInput) {
    const { key, id } = checkKey(s.name);
    const url = s.url && s.url.length <= STATUS_URL_LIMIT ? s.url : commitUrl(api, t, sha);
    await api.json('POST', buildsPath(api, t, sha), { body: statusBody(s, key, dataCenterState(s.state), url) });
    return { id };
  }

  /** The build status of this key on the commit (`GET .../builds?key=`, Data Center 7.14+), or undefined. */
  const statusOf = (api: BitbucketApi, t: ForgeTarget, sha: string, key: string) =>
    absentOn404(() => api.get<BuildStatus>(buildsPath(api, t, sha), { key }));

  /**
   * The check's Code Insights report (created or replaced) and its findings as annotations, 100 a request.
   * Data Center keeps every annotation posted, the same `externalId` twice included: the report's first
   * write clears them before adding, a later one adds only those not there.
   */
  async function report(
    api: BitbucketApi,
    t: ForgeTarget,
    sha: string,
    c: { name: string; summary?: string; url?: string; first: boolean; state?: BuildState },
    findings: LineFinding[],
  ) {
    const path = reportPath(t, sha, checkKey(c.name).key);
    const there = new Set<string>();
    if (c.first) {
      await api.json('PUT', path, {
        body: {
          title: fit(c.name, REPORT_TITLE_LIMIT),
          details: fit(c.summary || c.name, REPORT_DETAILS_LIMIT),
          reporter: 'aof',
          data: [],
          ...(c.state === 'FAILED' ? { result: 'FAIL' } : c.state === 'SUCCESSFUL' ? { result: 'PASS' } : {}),
          ...(c.url ? { link: c.url } : {}),
        },
      });
      await api.json('DELETE', `${path}/annotations`);
    } else {
      const { annotations } = await api.get<{ annotations: { externalId?: string }[] }>(`${path}/annotations`);
      for (const a of annotations) if (a.externalId) there.add(a.externalId);
    }
    const annotations = newAnnotations(sha, findings, there).map(({ f, id }) => ({
      externalId: id,
      path: f.path,
      line: f.start_line,
      message: findingText(f, ANNOTATION_DETAILS_LIMIT),
      severity: SEVERITY[f.annotation_level] ?? 'MEDIUM',
      type: 'BUG',
    }));
    await inRequests(annotations, (batch) => api.json('POST', `${path}/annotations`, { body: { annotations: batch } }));
  }

  /**
   * The person's effective permission on the repository (granted, or through a group, the project or a
   * global permission), and their user (its slug and id): `GET /users` filtered by name and by each repository
   * permission, the highest first, then by name alone. A refusal to tell is no permission.
   */
  async function accountOf(api: BitbucketApi, t: ForgeTarget, login: string) {
    const name = login.toLowerCase();
    const permission = (dc: string) => ({
      permission: dc,
      'permission.projectKey': t.owner,
      'permission.repositorySlug': t.repo,
    });
    for (const [dc, ours] of [...PERMISSIONS, ['', 'none'] as const]) {
      try {
        const { items } = await api.paginate<User>('/api/1.0/users', { filter: login, ...(dc && permission(dc)) }, 1);
        const user = items.find((u) => u.name?.toLowerCase() === name || u.slug === name);
        if (user) return { permission: ours, user };
      } catch (err) {
        if (!['Bitbucket400', 'Bitbucket403', 'Bitbucket404'].includes(failureType(err) ?? '')) throw err;
        return { permission: 'none' };
      }
    }
    return { permission: 'none' };
  }

  /**
   * Whether `login` is a member of Data Center's group `group`: `GET /admin/groups/more-members` (any licensed
   * user may ask), filtered by the name and compared exactly. A refusal to tell, or no such group, is no.
   */
  async function inGroup(api: BitbucketApi, group: string, login: string): Promise<boolean> {
    const name = login.toLowerCase();
    try {
      const { items } = await api.paginate<User>(
        '/api/1.0/admin/groups/more-members',
        { context: group, filter: login },
        1,
      );
      return items.some((u) => u.name?.toLowerCase() === name);
    } catch (err) {
      if (!['Bitbucket400', 'Bitbucket401', 'Bitbucket403', 'Bitbucket404'].includes(failureType(err) ?? '')) throw err;
      return false;
    }
  }

  // Inline comments (`anchor` on the new side's added lines), threads resolved with `threadResolved` (8.x).
  // Atlassian documents a thread's resolution as the comment's `threadResolved`, with `threadResolver` and
  // `threadResolvedDate` (the Comment entity of its pr:comment:* payloads,
  // https://confluence.atlassian.com/display/BITBUCKETSERVER089/Event+payload, the same representation as
  // the REST API's); a comment's `state` (OPEN, PENDING, RESOLVED) is its task's (a BLOCKER comment), not
  // its thread's.
  const threadOps: ThreadOps = {
    async comments(api, t) {
      const me = (await api.user()).slug;
      const { items } = await api.paginate<Activity>(
        `${prPath(api, t, t.number)}/activities`,
        { limit: ACTIVITIES_PAGE },
        THREAD_PAGES,
      );
      // A comment's activity shows it with its replies nested (a reply's own activity, newest first, does
      // not name its parent): parents are learnt from the nesting first.
      const all = new Map<number, Comment>();
      const parents = new Map<number, number>();
      const visit = (c: Comment) => {
        if (!all.has(c.id)) all.set(c.id, c);
        for (const r of c.comments ?? []) {
          parents.set(r.id, c.id);
          visit(r);
        }
      };
      for (const a of items) if (a.action === 'COMMENTED' && a.comment) visit(a.comment);
      return [...all.values()].map((c): ThreadComment => {
        const parent = parents.get(c.id);
        return {
          id: c.id,
          text: c.text,
          ...(c.anchor?.path ? { path: c.anchor.path } : {}),
          ...(parent !== undefined ? { parent } : {}),
          byBot: c.author?.slug === me,
          resolved: c.threadResolved === true,
          resolvedByBot: c.threadResolved === true && c.threadResolver?.slug === me,
          version: c.version,
        };
      });
    },
    postInline: async (api, t, at, text) =>
      void (await api.json('POST', `${prPath(api, t, t.number)}/comments`, {
        body: {
          text,
          anchor: { path: at.path, line: at.line, lineType: 'ADDED', fileType: 'TO', diffType: 'EFFECTIVE' },
        },
      })),
    post: async (api, t, text) =>
      void (await api.json('POST', `${prPath(api, t, t.number)}/comments`, { body: { text } })),
    resolve: async (api, t, c, resolve) =>
      void (await api.json('PUT', `${prPath(api, t, t.number)}/comments/${c.id}`, {
        body: { version: c.version, threadResolved: resolve },
      })),
  };

  const verbs: ForgeVerbs = {
    async changedFiles(t, maxPages) {
      const api = clientFor(t);
      const before = api.requests;
      const pr = prPath(api, t, t.number);
      // The changes name every file; one raw diff gives every patch: two reads, not one a file.
      const { items, truncated } = await api.paginate<Change>(`${pr}/changes`, { limit: CHANGES_PAGE }, maxPages);
      const patches = splitGitDiff(await (await api.send('GET', `${pr}.diff`)).text());
      const files = items
        .filter((c) => c.nodeType !== 'DIRECTORY')
        .map((c): ChangedFile => {
          const filename = pathOf(c.path);
          const patch = patches.get(filename);
          return {
            filename,
            status: STATUS_OF[c.type] ?? 'modified',
            additions: countLines(patch, '+'),
            deletions: countLines(patch, '-'),
            ...(patch ? { patch } : {}),
            ...(c.type === 'MOVE' && c.srcPath ? { previous_filename: pathOf(c.srcPath) } : {}),
          };
        });
      return { files, truncated, requests: api.requests - before };
    },

    // One file at `sha` (`/raw/{path}?at=`); null when missing, binary or over `maxBytes`.
    filesAt: filesAtVerb(clientFor, (api, t, sha, path) => [`${api.repo(t)}/raw/${path}`, { at: sha }]),

    async head(t) {
      const api = clientFor(t);
      const pr = await api.get<PullRequest>(prPath(api, t, t.number));
      return { sha: pr.fromRef.latestCommit, state: prState(pr.state) };
    },

    // What the gate's repository configuration (`.aof.yaml`, read at the base by filesAt) decides on: the
    // target branch's commit (`toRef.latestCommit`), its name, the draft flag (Data Center 8.18+; absent before,
    // so never a draft), the title and the author's user name.
    async changeInfo(t) {
      const api = clientFor(t);
      const pr = await api.get<PullRequest>(prPath(api, t, t.number));
      return {
        baseSha: pr.toRef?.latestCommit ?? '',
        baseBranch: pr.toRef?.displayId ?? '',
        draft: pr.draft === true,
        title: pr.title ?? '',
        author: pr.author?.user?.name ?? '',
      };
    },

    /**
     * `GET .../pull-requests?state=OPEN&order=NEWEST`, 100 a page (`limit`; Data Center allows more), up to
     * `limit`. Data Center does not count the list: `more` says whether any were left out.
     */
    async openChanges(t, limit) {
      const api = clientFor(t);
      const before = api.requests;
      const perPage = Math.max(1, Math.min(100, limit));
      const { items, truncated } = await api.paginate<PullRequest>(
        `${api.repo(t)}/pull-requests`,
        { state: 'OPEN', order: 'NEWEST', limit: perPage },
        Math.ceil(limit / perPage),
      );
      const listed = items.map((pr) => ({ number: pr.id, headSha: pr.fromRef.latestCommit }));
      return openChangesOf(listed, limit, truncated, undefined, api.requests - before);
    },

    ...commentVerbs<Comment>(clientFor, {
      botComments,
      text: (c) => c.text,
      create: (api, t, text) => api.json<Comment>('POST', `${prPath(api, t, t.number)}/comments`, { body: { text } }),
      edit: (api, t, pr, id, text, found) => editComment(api, t, pr, id, text, found?.version),
      posted,
    }),

    ...checkVerbs(clientFor, { setStatus, report, statusOf, commitUrl }),

    // Inline comments and their threads, as threadOps says.
    reviewThreads: reviewThreadsVerb(clientFor, threadOps),

    async checkById(t, headSha, checkId) {
      const found = await statusOf(clientFor(t), t, headSha, keyOfCheckId(checkId));
      return found && { name: found.name ?? found.key, state: found.state };
    },

    async submitReview(t, r) {
      const api = clientFor(t);
      const status = r.event === 'APPROVE' ? 'APPROVED' : r.event === 'REQUEST_CHANGES' ? 'NEEDS_WORK' : undefined;
      if (status) {
        // The bot's own status on the pull request: setting it again changes nothing, so a retry just sets it.
        const me = await api.user();
        await api
          .json('PUT', `${prPath(api, t, t.number)}/participants/${encodeURIComponent(me.slug ?? me.nickname)}`, {
            body: { status },
          })
          .catch((err: unknown) =>
            refusedReview(
              err,
              ['Bitbucket400', 'Bitbucket403', 'Bitbucket409'],
              status === 'APPROVED' ? 'approval' : 'change request',
            ),
          );
      }
      // Line comments inline at their lines (their code shown), those off the diff listed in the text.
      const body = await reviewWithLineComments(api, t, threadOps, r.body, r.comments);
      return verbs.postComment(t, r.event === 'REQUEST_CHANGES' ? `**Changes requested**\n\n${body}` : body);
    },

    async mayApprove(t, p) {
      // Listed by user name, slug or numeric id (the name is the person's login), or by group.
      const api = clientFor(t);
      const { permission, user } = await accountOf(api, t, p.login);
      const listed = authorize(p, permission, [user?.slug, user?.id === undefined ? undefined : String(user.id)]);
      if (listed.allowed) return listed;
      for (const entry of p.approvers.filter((e) => e.includes('/'))) {
        const group = groupOf(t, entry);
        if (group && (await inGroup(api, group, p.login)))
          return { allowed: true, via: `member of ${entry}`, permission };
      }
      return listed;
    },

    async botIdentity(t) {
      const me = await clientFor(t).user();
      return { login: me.nickname };
    },
    // No `labels`: Bitbucket pull requests have none (validation refuses Triggers that need them).
  };
  return verbs;
}
