// Bitbucket's outbound side of the forge port: the ForgeVerbs over Cloud's 2.0 REST API here, and over Data
// Center's 1.0 API in data-center.ts (a client's `flavor` picks; the pieces both use are exported here). A pull request is
// addressed by its workspace, repository slug and id; a "check" is a commit build status whose `key` comes
// from the check's name, and its line findings are a Code Insights report on the commit with annotations.
//
// Every write survives a retry without repeating itself. Comments carry their activity's operation marker
// (the helper GitHub's and GitLab's writes use), looked up among the bot's own comments on a retry only.
// Build statuses, reports and annotations are idempotent by Bitbucket's own rules: a status of the same key
// is overwritten, a report of the same id replaced, an annotation of the same `external_id` updated.
import { fileRead, type FileRead } from '../file-text.js';
import type { HttpAnswer } from '../../http/forge-http.js';
import { ApplicationFailure } from '@temporalio/common';
import { createHash } from 'node:crypto';
import { currentOperation, markBody, operationMarker, postOnce, upsertMarked } from '../operation.js';
import { fit, type Limit } from '../text-limits.js';
import { findingMarker, findingsOf } from '../findings.js';
import {
  fullNameOf,
  type Authorization,
  type ChangedFile,
  type ChangeTarget,
  type CheckConclusion,
  type CheckStatus,
  type ForgeTarget,
  type ForgeVerbs,
  type LineFinding,
  type PostedComment,
} from '../port.js';
import { failureType, type BitbucketApi } from './api.js';
import { createDataCenterVerbs } from './data-center.js';
import { openChangesOf } from '../open-changes.js';
import { reviewThreadsVerb, reviewWithLineComments, type ThreadOps } from './review-threads.js';
import { THREAD_PAGES } from '../review-limits.js';
import { splitGitDiff } from './diff.js';

/** Our bound on a comment's text: Bitbucket documents none; GitHub's is 65,536. */
export const COMMENT_LIMIT: Limit = { max: 65_536, unit: 'chars', of: 'our' };
/** Bitbucket's limits on a build status's name and description, and on a report's details. */
export const STATUS_TEXT_LIMIT: Limit = { max: 255, unit: 'chars', of: "Bitbucket's" };
export const REPORT_DETAILS_LIMIT: Limit = { max: 2000, unit: 'chars', of: "Bitbucket's" };
/** An annotation's summary (Bitbucket: 450 characters) and details. */
export const ANNOTATION_SUMMARY_LIMIT: Limit = { max: 450, unit: 'chars', of: "Bitbucket's" };
export const ANNOTATION_DETAILS_LIMIT: Limit = { max: 2000, unit: 'chars', of: "Bitbucket's" };
/** Annotations per request (Bitbucket's bulk create) and per report. */
export const ANNOTATIONS_PER_REQUEST = 100;
export const ANNOTATIONS_PER_REPORT = 1000;
/** Files read at once (Bitbucket reads one file a request). */
export const FILES_IN_FLIGHT = 4;

export type BuildState = 'INPROGRESS' | 'SUCCESSFUL' | 'FAILED' | 'STOPPED';

export const STATE_OF_STATUS: Record<CheckStatus, BuildState> = {
  queued: 'INPROGRESS',
  in_progress: 'INPROGRESS',
  // Completed without a conclusion: GitHub would refuse it; Bitbucket has no such state, so it reads as passed.
  completed: 'SUCCESSFUL',
};

export const STATE_OF_CONCLUSION: Record<CheckConclusion, BuildState> = {
  success: 'SUCCESSFUL',
  neutral: 'SUCCESSFUL',
  skipped: 'SUCCESSFUL',
  failure: 'FAILED',
  timed_out: 'FAILED',
  action_required: 'FAILED',
  cancelled: 'STOPPED',
};

export const SEVERITY: Record<LineFinding['annotation_level'], string> = {
  notice: 'LOW',
  warning: 'MEDIUM',
  failure: 'HIGH',
};

/** Bitbucket's repository permissions, least first, and the least a `minPermission` asks for. */
export const RANK: Record<string, number> = { none: 0, read: 1, write: 2, admin: 3 };
const MIN_RANK: Record<string, number> = { read: 1, triage: 1, write: 2, maintain: 3, admin: 3 };

/**
 * Whether `p` may approve, being a listed account or holding `permission` (none, read, write, admin) on the
 * repository. `ids`: the account's other names as the forge gave them (Cloud's account id and uuid, the
 * uuid listed with or without its braces).
 */
export function authorize(
  p: { login: string; approvers: string[]; minPermission?: string },
  permission: string,
  ids: (string | undefined)[] = [],
): Authorization {
  const names = [p.login, ...ids]
    .filter((n): n is string => !!n)
    .map((n) => n.toLowerCase().replace(/^\{(.*)\}$/, '$1'));
  for (const entry of p.approvers)
    if (names.includes(entry.toLowerCase().replace(/^\{(.*)\}$/, '$1')))
      return { allowed: true, via: `listed as ${entry}`, permission };
  if (p.minPermission && (RANK[permission] ?? 0) >= (MIN_RANK[p.minPermission.toLowerCase()] ?? Infinity))
    return { allowed: true, via: `${permission} permission`, permission };
  return { allowed: false, permission };
}

/** Reads `paths` with `read`, `FILES_IN_FLIGHT` at a time. */
export async function readInLanes<T>(paths: string[], read: (path: string) => Promise<T>): Promise<Map<string, T>> {
  const contents = new Map<string, T>();
  let next = 0;
  const lane = async () => {
    while (next < paths.length) {
      const path = paths[next++]!;
      contents.set(path, await read(path));
    }
  };
  await Promise.all(Array.from({ length: Math.min(FILES_IN_FLIGHT, paths.length) }, lane));
  return contents;
}

/**
 * A file's answer as text (null when over `maxBytes`, a listing (JSON), binary or not UTF-8), with its size
 * when too large: as its Content-Length declares it (the body then unread), else as read.
 */
export const readOf = (res: HttpAnswer, maxBytes: number): Promise<FileRead> =>
  fileRead(res, maxBytes, { skip: /json/.test(res.headers.get('content-type') ?? '') });

interface Comment {
  id: number;
  content: { raw: string };
  user?: { uuid?: string } | null;
  deleted?: boolean;
  links?: { html?: { href?: string } };
  inline?: { path?: string; to?: number | null } | null;
  parent?: { id: number } | null;
  resolution?: { user?: { uuid?: string } | null } | null;
}

interface PullRequest {
  state: 'OPEN' | 'MERGED' | 'DECLINED' | 'SUPERSEDED';
  source: { commit: { hash: string } | null };
  destination?: { branch?: { name?: string }; commit?: { hash: string } | null };
  draft?: boolean;
  title?: string;
  author?: { nickname?: string; display_name?: string };
  participants?: { user?: { uuid?: string }; approved?: boolean; state?: string | null }[];
}

/** Bitbucket Cloud's largest page of pull requests (`pagelen`). */
const CLOUD_PR_PAGE = 50;

interface DiffStat {
  status: string;
  lines_added: number;
  lines_removed: number;
  old: { path: string } | null;
  new: { path: string } | null;
}

interface BuildStatus {
  key: string;
  state: BuildState;
  name?: string;
}

/**
 * The key of the build status (and id of the Code Insights report) of a check name, and the number the port
 * knows it by: both from one hash, so the number leads back to the key.
 */
export function checkKey(name: string): { key: string; id: number } {
  const hex = createHash('sha256').update(name).digest('hex').slice(0, 12);
  return { key: `aof-${hex}`, id: parseInt(hex, 16) };
}

/** The build status key of the number `checkKey` gave a check name. */
export const keyOfCheckId = (id: number) => `aof-${id.toString(16).padStart(12, '0')}`;

/** An annotation's `external_id`: the same for the same finding at the same place of the same head. */
export const annotationId = (headSha: string, f: LineFinding) =>
  `aof-${/=([0-9a-f]+)/.exec(findingMarker(headSha, f))![1]}`;

const STATUS_OF: Record<string, string> = {
  added: 'added',
  removed: 'removed',
  modified: 'modified',
  renamed: 'renamed',
};

/** The pull request's id; updateComment takes a ForgeTarget, but a Bitbucket comment lives on its pull request. */
export function prOf(t: ForgeTarget): number {
  const n = (t as Partial<ChangeTarget>).number;
  if (typeof n === 'number') return n;
  throw ApplicationFailure.create({
    type: 'BitbucketNeedsPullRequest',
    message: 'a Bitbucket comment is edited through its pull request: give the target its number',
    nonRetryable: true,
  });
}

/** A BBQL string literal (`"..."` with `\` and `"` escaped). */
const bbqlString = (s: string) => `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;

/** A build status to write: its state, name (its key's source), link and description. */
export type StatusInput = { state: BuildState; name: string; url?: string; description?: string };
type ReportInput = { name: string; summary?: string; url?: string; first: boolean; state?: BuildState };

/** How an API writes a check: its build status, its findings' report, reading a status back, a commit's page. */
export interface CheckOps {
  setStatus(api: BitbucketApi, t: ForgeTarget, sha: string, s: StatusInput): Promise<{ id: number }>;
  report(api: BitbucketApi, t: ForgeTarget, sha: string, c: ReportInput, findings: LineFinding[]): Promise<void>;
  statusOf(api: BitbucketApi, t: ForgeTarget, sha: string, key: string): Promise<{ state: string } | undefined>;
  commitUrl(api: BitbucketApi, t: ForgeTarget, sha: string): string;
}

/** The check verbs over either API's build status and report (Cloud's and Data Center's differ only in `ops`). */
export function checkVerbs(
  clientFor: (t: ForgeTarget) => BitbucketApi,
  ops: CheckOps,
): Pick<ForgeVerbs, 'createCheck' | 'updateCheck' | 'checkDone'> {
  return {
    async createCheck(t, c) {
      const api = clientFor(t);
      const state = c.conclusion ? STATE_OF_CONCLUSION[c.conclusion] : (STATE_OF_STATUS[c.status] ?? 'INPROGRESS');
      const { id } = await ops.setStatus(api, t, c.headSha, {
        state,
        name: c.name,
        url: c.detailsUrl,
        description:
          c.output?.title ??
          (c.status === 'queued' ? 'Queued' : c.status === 'in_progress' ? 'In progress' : undefined),
      });
      return { id, url: c.detailsUrl ?? ops.commitUrl(api, t, c.headSha) };
    },

    async updateCheck(t, c) {
      const { headSha, name } = c;
      if (!headSha || !name) throw new Error('a Bitbucket check (a build status) needs its commit and name');
      const api = clientFor(t);
      const findings = findingsOf(c.output?.annotations);
      const state = c.conclusion ? STATE_OF_CONCLUSION[c.conclusion] : c.status ? STATE_OF_STATUS[c.status] : undefined;
      // The report first: a check seen finished has its findings there.
      if (findings.length)
        await ops.report(
          api,
          t,
          headSha,
          { name, summary: c.output?.summary, url: c.detailsUrl, first: !((c.annotationsBefore ?? 0) > 0), state },
          findings,
        );
      if (!state) return; // later updates only add findings
      await ops.setStatus(api, t, headSha, {
        state,
        name,
        url: c.detailsUrl,
        description: c.output?.title ?? (state === 'INPROGRESS' ? 'In progress' : undefined),
      });
    },

    async checkDone(t, headSha, name) {
      const s = await ops.statusOf(clientFor(t), t, headSha, checkKey(name).key);
      return s?.state === 'SUCCESSFUL' || s?.state === 'FAILED';
    },
  };
}

/** How an API keeps a pull request's comments: the bot's own, a comment's text, writing one, editing one, its link. */
export interface CommentOps<C extends { id: number }> {
  botComments(api: BitbucketApi, t: ChangeTarget): Promise<C[]>;
  text(c: C): string;
  create(api: BitbucketApi, t: ChangeTarget, text: string): Promise<C>;
  /** Sets comment `id`'s text; `found`: the comment as a lookup just read it. */
  edit(api: BitbucketApi, t: ForgeTarget, pr: number, id: number, text: string, found?: C): Promise<C>;
  posted(api: BitbucketApi, t: ForgeTarget, pr: number, c: C): PostedComment;
}

/** The comment verbs over either API's comments (Cloud's and Data Center's differ only in `ops`). */
export function commentVerbs<C extends { id: number }>(
  clientFor: (t: ForgeTarget) => BitbucketApi,
  ops: CommentOps<C>,
): Pick<ForgeVerbs, 'postComment' | 'updateComment' | 'upsertMarkedComment'> {
  const mine = async (api: BitbucketApi, t: ChangeTarget, marker: string) =>
    (await ops.botComments(api, t)).find((c) => ops.text(c).includes(marker));
  return {
    async postComment(t, body) {
      const api = clientFor(t);
      const op = currentOperation();
      const c = await postOnce(
        op,
        () => mine(api, t, operationMarker(op.key)),
        () => ops.create(api, t, markBody(body, op, COMMENT_LIMIT)),
      );
      return ops.posted(api, t, t.number, c);
    },

    async updateComment(t, commentId, body) {
      const api = clientFor(t);
      const pr = prOf(t);
      return ops.posted(api, t, pr, await ops.edit(api, t, pr, commentId, fit(body, COMMENT_LIMIT)));
    },

    async upsertMarkedComment(t, marker, body, known) {
      const api = clientFor(t);
      const text = fit(body, COMMENT_LIMIT);
      return upsertMarked({
        known,
        gone: (err) => failureType(err) === 'Bitbucket404',
        find: () => mine(api, t, marker),
        create: async () => ops.posted(api, t, t.number, await ops.create(api, t, text)),
        update: async (id, found) => ops.posted(api, t, t.number, await ops.edit(api, t, t.number, id, text, found)),
      });
    },
  };
}

/** What `read` gave, or undefined when Bitbucket answered 404. */
export async function absentOn404<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    if (failureType(err) === 'Bitbucket404') return undefined;
    throw err;
  }
}

/** A file's path in a URL: each segment encoded. */
export const encodePath = (path: string) => path.split('/').map(encodeURIComponent).join('/');

/** The `FilesAt` verb over either API's file at a commit: `at` names the request of one (path and query). */
export function filesAtVerb(
  clientFor: (t: ForgeTarget) => BitbucketApi,
  at: (api: BitbucketApi, t: ForgeTarget, sha: string, path: string) => [string, Record<string, string>?],
): ForgeVerbs['filesAt'] {
  return async (t, sha, paths, maxBytes) => {
    const api = clientFor(t);
    const before = api.requests;
    const reads = await readInLanes(paths, async (path) => {
      const [p, query] = at(api, t, sha, encodePath(path));
      const res = await absentOn404(() => api.send('GET', p, query ? { query } : {}));
      return res ? readOf(res, maxBytes) : ({ text: null } as FileRead);
    });
    const contents = new Map([...reads].map(([path, r]) => [path, r.text]));
    const tooLarge = new Map(
      [...reads].flatMap(([path, r]) => (r.tooLarge === undefined ? [] : [[path, r.tooLarge] as const])),
    );
    return { contents, requests: api.requests - before, ...(tooLarge.size ? { tooLarge } : {}) };
  };
}

/** The port's state of a pull request in either API's (`OPEN`, `MERGED`, `DECLINED`, Cloud's `SUPERSEDED`). */
export const prState = (state: string) => (state === 'OPEN' ? 'open' : state === 'MERGED' ? 'merged' : 'closed');

/** A build status's fields both APIs share (`key`, `state`, `name`, `url`, `description`). */
export const statusBody = (s: StatusInput, key: string, state: string, url: string) => ({
  key,
  state,
  name: fit(s.name, STATUS_TEXT_LIMIT),
  url,
  ...(s.description ? { description: fit(s.description, STATUS_TEXT_LIMIT) } : {}),
});

/** An annotation's text: the finding's title and message (its path when it has neither). */
export const findingText = (f: LineFinding, limit: Limit) =>
  fit(f.title ? `${f.title}: ${f.message}` : f.message || f.path, limit);

/**
 * The findings to write as annotations, each with its id: once each, none whose id is in `there` (which
 * takes theirs), at most a report's worth.
 */
export const newAnnotations = (sha: string, findings: LineFinding[], there = new Set<string>()) =>
  findings
    .map((f) => ({ f, id: annotationId(sha, f) }))
    .filter(({ id }) => !there.has(id) && there.add(id))
    .slice(0, ANNOTATIONS_PER_REPORT);

/** `write` of `items` a request's worth (ANNOTATIONS_PER_REQUEST) at a time, one after another. */
export async function inRequests<T>(items: T[], write: (batch: T[]) => Promise<unknown>) {
  for (let i = 0; i < items.length; i += ANNOTATIONS_PER_REQUEST)
    await write(items.slice(i, i + ANNOTATIONS_PER_REQUEST));
}

/** The final failure of a review Bitbucket refused (one of `types`: the bot may not review, e.g. its own). */
export function refusedReview(err: unknown, types: string[], what: string): never {
  if (!types.includes(failureType(err) ?? '')) throw err;
  throw ApplicationFailure.create({
    type: failureType(err),
    message: `Bitbucket refused the ${what}: ${(err as Error).message} (the bot may not review this pull request, e.g. its own)`,
    nonRetryable: true,
  });
}

/** Bitbucket's verbs: each call goes to the API its target's client speaks (Cloud's 2.0, Data Center's 1.0). */
export function createBitbucketVerbs(clientFor: (t: ForgeTarget) => BitbucketApi): ForgeVerbs {
  const cloud = createCloudVerbs(clientFor);
  const dataCenter = createDataCenterVerbs(clientFor);
  const pick = (t: ForgeTarget) => (clientFor(t).flavor === 'data-center' ? dataCenter : cloud);
  const verbs = {} as Record<string, unknown>;
  for (const name of Object.keys(cloud) as (keyof ForgeVerbs)[])
    verbs[name] = (t: ForgeTarget, ...rest: unknown[]) => {
      const verb = pick(t)[name] as ((t: ForgeTarget, ...rest: unknown[]) => unknown) | undefined;
      // A verb one flavor lacks is final, not a TypeError that Temporal would retry for ever.
      if (typeof verb !== 'function')
        throw ApplicationFailure.nonRetryable(`Bitbucket ${clientFor(t).flavor} has no ${name}`, 'ForgeVerbMissing');
      return verb(t, ...rest);
    };
  return verbs as unknown as ForgeVerbs;
}

function createCloudVerbs(clientFor: (t: ForgeTarget) => BitbucketApi): ForgeVerbs {
  const prPath = (api: BitbucketApi, t: ForgeTarget, id: number) => `${api.repo(t)}/pullrequests/${id}`;
  const commitPath = (api: BitbucketApi, t: ForgeTarget, sha: string) =>
    `${api.repo(t)}/commit/${encodeURIComponent(sha)}`;
  const commitUrl = (api: BitbucketApi, t: ForgeTarget, sha: string) => `${api.webUrl}/${fullNameOf(t)}/commits/${sha}`;
  const posted = (api: BitbucketApi, t: ForgeTarget, pr: number, c: Comment): PostedComment => ({
    id: c.id,
    url: c.links?.html?.href ?? `${api.webUrl}/${fullNameOf(t)}/pull-requests/${pr}#comment-${c.id}`,
  });

  /** The pull request's comments written by the bot (the credentials' account), oldest first. */
  async function botComments(api: BitbucketApi, t: ChangeTarget): Promise<Comment[]> {
    const me = await api.user();
    const { items } = await api.paginate<Comment>(`${prPath(api, t, t.number)}/comments`, { pagelen: 100 });
    return items.filter((c) => !c.deleted && c.user?.uuid === me.uuid);
  }

  async function setStatus(api: BitbucketApi, t: ForgeTarget, sha: string, s: StatusInput) {
    const { key, id } = checkKey(s.name);
    // Bitbucket requires a link; the commit's page when the check has none of its own.
    await api.json('POST', `${commitPath(api, t, sha)}/statuses/build`, {
      body: statusBody(s, key, s.state, s.url ?? commitUrl(api, t, sha)),
    });
    return { id };
  }

  /** A build status of this key on the commit, or undefined. */
  const statusOf = (api: BitbucketApi, t: ForgeTarget, sha: string, key: string) =>
    absentOn404(() => api.get<BuildStatus>(`${commitPath(api, t, sha)}/statuses/build/${encodeURIComponent(key)}`));

  /**
   * The check's Code Insights report (created or replaced) and its findings as annotations, 100 a request.
   * An annotation's `external_id` makes a retry update what an earlier attempt created, never repeat it.
   */
  async function report(
    api: BitbucketApi,
    t: ForgeTarget,
    sha: string,
    c: { name: string; summary?: string; url?: string; first: boolean },
    findings: LineFinding[],
  ) {
    const { key } = checkKey(c.name);
    const path = `${commitPath(api, t, sha)}/reports/${key}`;
    // The report is written with the first findings only: a later batch adds to it, never replaces it.
    if (c.first)
      await api.json('PUT', path, {
        body: {
          title: fit(c.name, STATUS_TEXT_LIMIT),
          details: fit(c.summary || c.name, REPORT_DETAILS_LIMIT),
          report_type: 'BUG',
          reporter: 'aof',
          ...(c.url ? { link: c.url } : {}),
        },
      });
    const annotations = newAnnotations(sha, findings).map(({ f, id }) => ({
      external_id: id,
      annotation_type: 'BUG',
      path: f.path,
      line: f.start_line,
      summary: findingText(f, ANNOTATION_SUMMARY_LIMIT),
      ...(f.message ? { details: fit(f.message, ANNOTATION_DETAILS_LIMIT) } : {}),
      severity: SEVERITY[f.annotation_level] ?? 'MEDIUM',
      result: 'FAILED',
    }));
    await inRequests(annotations, (body) => api.json('POST', `${path}/annotations`, { body }));
  }

  /** Whether the bot's account took `role` (approved, changes requested) on the pull request. */
  async function botDid(api: BitbucketApi, t: ChangeTarget, role: 'approved' | 'changes_requested') {
    const me = await api.user();
    const pr = await api.get<PullRequest>(prPath(api, t, t.number));
    return (pr.participants ?? []).some(
      (p) => p.user?.uuid === me.uuid && (role === 'approved' ? p.approved : p.state === role),
    );
  }

  // Inline comments (`inline: {path, to}`), resolved with `POST .../comments/{id}/resolve` (reopened with DELETE).
  const threadOps: ThreadOps = {
    async comments(api, t) {
      const me = (await api.user()).uuid;
      const path = `${prPath(api, t, t.number)}/comments`;
      const { items } = await api.paginate<Comment>(path, { pagelen: 100 }, THREAD_PAGES);
      return items
        .filter((c) => !c.deleted)
        .map((c) => ({
          id: c.id,
          text: c.content.raw,
          ...(c.inline?.path ? { path: c.inline.path } : {}),
          ...(c.parent ? { parent: c.parent.id } : {}),
          byBot: c.user?.uuid === me,
          resolved: c.resolution != null,
          resolvedByBot: c.resolution?.user?.uuid === me,
        }));
    },
    postInline: async (api, t, at, raw) =>
      void (await api.json('POST', `${prPath(api, t, t.number)}/comments`, {
        body: { content: { raw }, inline: { path: at.path, to: at.line } },
      })),
    post: async (api, t, raw) =>
      void (await api.json('POST', `${prPath(api, t, t.number)}/comments`, { body: { content: { raw } } })),
    resolve: async (api, t, c, resolve) =>
      void (await api.json(resolve ? 'POST' : 'DELETE', `${prPath(api, t, t.number)}/comments/${c.id}/resolve`)),
  };

  const verbs: ForgeVerbs = {
    async changedFiles(t, maxPages) {
      const api = clientFor(t);
      const before = api.requests;
      const pr = prPath(api, t, t.number);
      // The diffstat names every file; one diff text gives every patch: two reads, not one a file.
      const { items, truncated } = await api.paginate<DiffStat>(`${pr}/diffstat`, {}, maxPages);
      const patches = splitGitDiff(await (await api.send('GET', `${pr}/diff`)).text());
      const files = items.map((d): ChangedFile => {
        const filename = d.new?.path ?? d.old?.path ?? '';
        const patch = patches.get(filename);
        return {
          filename,
          status: STATUS_OF[d.status] ?? 'modified',
          additions: d.lines_added ?? 0,
          deletions: d.lines_removed ?? 0,
          ...(patch ? { patch } : {}),
          ...(d.status === 'renamed' && d.old ? { previous_filename: d.old.path } : {}),
        };
      });
      return { files, truncated, requests: api.requests - before };
    },

    // One file at `sha` (`/src/{commit}/{path}`); null when missing, binary or over `maxBytes`.
    filesAt: filesAtVerb(clientFor, (api, t, sha, path) => [`${api.repo(t)}/src/${encodeURIComponent(sha)}/${path}`]),

    async head(t) {
      const api = clientFor(t);
      const pr = await api.get<PullRequest>(prPath(api, t, t.number));
      return { sha: pr.source.commit?.hash ?? '', state: prState(pr.state) };
    },

    /**
     * `GET .../pullrequests?state=OPEN`, 50 a page (Bitbucket's most for pull requests), up to `limit`; the
     * list's `size` counts them. Cloud lists a commit's hash abbreviated (12 characters).
     */
    async openChanges(t, limit) {
      const api = clientFor(t);
      const before = api.requests;
      const pagelen = Math.max(1, Math.min(CLOUD_PR_PAGE, limit));
      const { items, truncated, size } = await api.paginate<PullRequest & { id: number }>(
        `${api.repo(t)}/pullrequests`,
        { state: 'OPEN', pagelen },
        Math.ceil(limit / pagelen),
      );
      return openChangesOf(
        items.map((pr) => ({ number: pr.id, headSha: pr.source.commit?.hash ?? '' })),
        limit,
        truncated,
        size,
        api.requests - before,
      );
    },

    async changeInfo(t) {
      const api = clientFor(t);
      const pr = await api.get<PullRequest>(prPath(api, t, t.number));
      return {
        baseSha: pr.destination?.commit?.hash ?? '',
        baseBranch: pr.destination?.branch?.name ?? '',
        draft: pr.draft === true,
        title: pr.title ?? '',
        author: pr.author?.nickname ?? pr.author?.display_name ?? '',
      };
    },

    ...commentVerbs<Comment>(clientFor, {
      botComments,
      text: (c) => c.content.raw,
      create: (api, t, raw) =>
        api.json<Comment>('POST', `${prPath(api, t, t.number)}/comments`, { body: { content: { raw } } }),
      edit: (api, t, pr, id, raw) =>
        api.json<Comment>('PUT', `${prPath(api, t, pr)}/comments/${id}`, { body: { content: { raw } } }),
      posted,
    }),

    ...checkVerbs(clientFor, { setStatus, report, statusOf, commitUrl }),

    // Inline comments and their threads, as threadOps says.
    reviewThreads: reviewThreadsVerb(clientFor, threadOps),

    async checkById(t, headSha, checkId) {
      const api = clientFor(t);
      const { items } = await api.paginate<BuildStatus>(`${commitPath(api, t, headSha)}/statuses`, { pagelen: 100 });
      const found = items.find((s) => s.key === keyOfCheckId(checkId));
      return found && { name: found.name ?? found.key, state: found.state };
    },

    async submitReview(t, r) {
      const api = clientFor(t);
      const role = r.event === 'APPROVE' ? 'approved' : r.event === 'REQUEST_CHANGES' ? 'changes_requested' : undefined;
      if (role) {
        // A retry first asks whether an earlier attempt approved (or requested changes) already.
        const done = currentOperation().retry && (await botDid(api, t, role));
        const path = `${prPath(api, t, t.number)}/${role === 'approved' ? 'approve' : 'request-changes'}`;
        if (!done)
          await api
            .json('POST', path)
            .catch((err: unknown) =>
              refusedReview(err, ['Bitbucket400', 'Bitbucket403'], role === 'approved' ? 'approval' : 'change request'),
            );
      }
      // Line comments inline at their lines (their code shown: Bitbucket has no suggestions); those off the diff
      // listed in the text.
      const body = await reviewWithLineComments(api, t, threadOps, r.body, r.comments);
      return verbs.postComment(t, r.event === 'REQUEST_CHANGES' ? `**Changes requested**\n\n${body}` : body);
    },

    async mayApprove(t, p) {
      const api = clientFor(t);
      // The accounts of this nickname with their permission on the repository (explicit, or through their
      // groups and the project); the workspace's admins may read it. A refusal to tell is no permission.
      let rows: { permission: string; user?: { uuid?: string; account_id?: string } }[] = [];
      try {
        ({ items: rows } = await api.paginate<(typeof rows)[number]>(
          `/workspaces/${encodeURIComponent(t.owner)}/permissions/repositories/${encodeURIComponent(t.repo)}`,
          { q: `user.nickname=${bbqlString(p.login)}` },
          1,
        ));
      } catch (err) {
        if (!['Bitbucket403', 'Bitbucket404'].includes(failureType(err) ?? '')) throw err;
      }
      // A nickname is its owner's choice and may be another's too: two accounts of it are no one.
      const account = new Set(rows.map((r) => r.user?.uuid)).size === 1 ? rows[0] : undefined;
      return authorize(p, account?.permission ?? 'none', [account?.user?.account_id, account?.user?.uuid]);
    },

    async botIdentity(t) {
      const me = await clientFor(t).user();
      return { login: me.nickname };
    },
    // No `labels`: Bitbucket pull requests have none (validation refuses Triggers that need them).
  };
  return verbs;
}
