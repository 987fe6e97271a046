// GitLab's outbound side of the forge port: the ForgeVerbs over REST API v4. A merge request is addressed by
// its project's full path and iid; a "check" is a commit status (its name, e.g. `AFA Gate Check`), and its
// line findings are merge request discussions at their lines.
//
// Every write survives a retry without repeating itself: a note carries its activity's operation marker
// (the helper GitHub's writes use, src/forges/github/idempotent-writes.ts) and a finding a marker of what
// it says where (head, path, line, title); a retry (attempt > 1) looks for them among the bot's own notes
// before writing, so the usual path costs no extra request. Commit statuses are idempotent by GitLab's own
// rule (one pending or running status per sha, name and ref), which a retry reads before moving one.
import { fileRead, type FileRead } from '../file-text.js';
import { DISMISSAL, endingMarker, findingMarker, findingsOf, suggestionBlock, threadBody } from '../findings.js';
import { THREAD_PAGES } from '../review-limits.js';
import { openChangesOf } from '../open-changes.js';
import { planThreads, type BotThread } from '../review-plan.js';
import { ApplicationFailure } from '@temporalio/common';
import {
  currentOperation,
  LINE_COMMENT_MARKERS,
  lineCommentMarker,
  markBody,
  operationMarker,
  postOnce,
  upsertMarked,
  writeInLanes,
} from '../operation.js';
import { fit, less, type Limit } from '../text-limits.js';
import {
  fullNameOf,
  type Authorization,
  type ChangedFile,
  type ChangeReader,
  type ChangeTarget,
  type CheckConclusion,
  type CheckStatus,
  type ForgeTarget,
  type ForgeVerbs,
  type LineFinding,
  type PostedComment,
  type ReviewFinding,
  type ReviewLineComment,
  type ReviewThreads,
} from '../port.js';
import { failureType, type GitLabApi } from './api.js';
import type { HttpAnswer } from '../../http/forge-http.js';

/** GitLab's limit on a note's text (characters). */
export const NOTE_LIMIT: Limit = { max: 1_000_000, unit: 'chars', of: "GitLab's" };
/** GitLab's limit on a commit status's name, description and target_url (characters). */
export const STATUS_TEXT_LIMIT: Limit = { max: 255, unit: 'chars', of: "GitLab's" };

/** GitLab's access levels by value, named as GitLab names them (lowercased). */
export const ACCESS_LEVEL_NAMES: Record<number, string> = {
  5: 'minimal access',
  10: 'guest',
  15: 'planner',
  20: 'reporter',
  30: 'developer',
  40: 'maintainer',
  50: 'owner',
};

/** The least access level a `minPermission` asks for: GitHub's role names, or GitLab's own. */
const MIN_LEVEL: Record<string, number> = {
  read: 20,
  triage: 20,
  write: 30,
  maintain: 40,
  admin: 50,
  guest: 10,
  reporter: 20,
  developer: 30,
  maintainer: 40,
  owner: 50,
};

type StatusState = 'pending' | 'running' | 'success' | 'failed' | 'canceled';

const STATE_OF_STATUS: Record<CheckStatus, StatusState> = {
  queued: 'pending',
  in_progress: 'running',
  // A check created or updated as completed without a conclusion: GitHub would refuse it; GitLab has no
  // such state, so it reads as passed.
  completed: 'success',
};

const STATE_OF_CONCLUSION: Record<CheckConclusion, StatusState> = {
  success: 'success',
  neutral: 'success',
  skipped: 'success',
  failure: 'failed',
  timed_out: 'failed',
  action_required: 'failed',
  cancelled: 'canceled',
};

interface Note {
  id: number;
  body: string;
  system?: boolean;
  author?: { id: number; username: string } | null;
  resolved?: boolean;
  resolved_by?: { id: number } | null;
  position?: { new_path?: string } | null;
}

interface Discussion {
  id: string;
  notes: Note[];
}

interface MergeRequest {
  sha: string | null;
  state: string;
  web_url: string;
  diff_refs: DiffRefs | null;
  target_branch?: string;
  draft?: boolean;
  work_in_progress?: boolean;
  title?: string;
  author?: { username?: string };
}

interface Diff {
  old_path: string;
  new_path: string;
  new_file: boolean;
  renamed_file: boolean;
  deleted_file: boolean;
  diff: string;
}

interface Blob {
  path: string;
  /** Null for a binary blob. */
  rawTextBlob: string | null;
  /** GitLab's BigInt: a string. */
  rawSize?: string | number | null;
}

/**
 * Findings posted at once (GitLab's REST API has no bulk write of discussions). GitLab documents a rate of
 * note creation (300 a minute per user by default), not a number in flight. Against a distant GitLab each
 * round waits a round trip and GitLab's own work, so more at once waits less; against the local sandbox
 * in a process of its own, 50 discussions took 13 ms at 8, 6.8 ms at 16 and 8.1 ms at 50 while cold, and
 * 5.1, 5.1 and 6.4 ms warm (medians of 25).
 */
export const FINDINGS_IN_FLIGHT = 16;

/** Paths asked for in one GraphQL request: GitLab's largest page of a connection. */
export const BLOBS_PER_QUERY = 100;

/**
 * The fields of the merge request the analysis reads: its diff refs and first page of notes (where the bot's
 * marked note is found), and what the repository configuration's skip rules compare.
 */
const CHANGE_FIELDS = `mergeRequest(iid: $iid) {
      draft title targetBranch author { username }
      diffRefs { baseSha headSha startSha }
      notes(first: ${BLOBS_PER_QUERY}) { nodes { id body system author { id username } } pageInfo { hasNextPage } }
    }`;

/**
 * A project's blobs at a ref by path (GitLab's `Repository.blobs`), one request for up to 100 files; `along`,
 * the merge request's fields (CHANGE_FIELDS) in the same request; `base`, blobs at a second ref too (an
 * aliased `blobs`: the repository configuration at the base commit, read with the head's files).
 */
const blobsQuery = (along: boolean, base: boolean) =>
  `query($fullPath: ID!, $ref: String!, $paths: [String!]!${along ? ', $iid: String!' : ''}${
    base ? ', $baseRef: String!, $basePaths: [String!]!' : ''
  }) {
  project(fullPath: $fullPath) {
    repository {
      blobs(paths: $paths, ref: $ref, first: ${BLOBS_PER_QUERY}) { nodes { path rawTextBlob rawSize } }
      ${base ? `base: blobs(paths: $basePaths, ref: $baseRef, first: ${BLOBS_PER_QUERY}) { nodes { path rawTextBlob rawSize } }` : ''}
    }
    ${along ? CHANGE_FIELDS : ''}
  }
}`;

/** The merge request's fields alone (CHANGE_FIELDS), before its base is known. */
const CHANGE_QUERY = `query($fullPath: ID!, $iid: String!) {
  project(fullPath: $fullPath) {
    ${CHANGE_FIELDS}
  }
}`;

interface DiffRefs {
  base_sha: string;
  head_sha: string;
  start_sha: string;
}

/** What the analysis's GraphQL request read of the merge request besides the blobs. */
interface ChangeAlong {
  draft?: boolean;
  title?: string;
  targetBranch?: string;
  author?: { username: string } | null;
  diffRefs: { baseSha: string | null; headSha: string; startSha: string } | null;
  notes: {
    nodes: ({ id: string; body: string; system: boolean; author: { id: string; username: string } | null } | null)[];
    pageInfo: { hasNextPage: boolean };
  };
}

/** The number at the end of a GitLab global id (`gid://gitlab/Note/12` is 12). */
const idOfGid = (gid: string | undefined): number | undefined => {
  const m = /\/(\d+)$/.exec(gid ?? '');
  return m ? Number(m[1]) : undefined;
};

/** Diff refs kept per worker process (head's refs never change), so posting findings needs no MR read. */
const REFS_KEPT = 500;

interface CommitStatus {
  id: number;
  status: string;
  name: string;
}

/** Lines added and removed by a unified diff (its `+` and `-` lines inside hunks). */
export function countDiffLines(diff: string): { additions: number; deletions: number } {
  let additions = 0;
  let deletions = 0;
  let inHunk = false;
  for (const line of diff.split('\n')) {
    if (line.startsWith('@@')) inHunk = true;
    else if (!inHunk) continue;
    else if (line.startsWith('+')) additions++;
    else if (line.startsWith('-')) deletions++;
  }
  return { additions, deletions };
}

export function changedFileOf(d: Diff): ChangedFile {
  const status = d.new_file ? 'added' : d.deleted_file ? 'removed' : d.renamed_file ? 'renamed' : 'modified';
  return {
    filename: d.new_path,
    status,
    ...countDiffLines(d.diff ?? ''),
    ...(d.diff ? { patch: d.diff } : {}),
    ...(d.renamed_file ? { previous_filename: d.old_path } : {}),
  };
}

const LEVEL_LABEL: Record<LineFinding['annotation_level'], string> = {
  notice: 'Notice',
  warning: 'Warning',
  failure: 'Failure',
};

/** A finding's note text; `where` names the path and lines when the note cannot sit on them. */
function findingBody(f: LineFinding, marker: string, where: boolean): string {
  const lines = f.end_line > f.start_line ? `${f.start_line}-${f.end_line}` : `${f.start_line}`;
  const head = `**${LEVEL_LABEL[f.annotation_level] ?? 'Warning'}${f.title ? `: ${f.title}` : ''}**`;
  const place = where ? `\`${f.path}:${lines}\`\n\n` : f.end_line > f.start_line ? `Lines ${lines}.\n\n` : '';
  const suffix = `\n\n${marker}`;
  return `${fit(`${head}\n\n${place}${f.message}`, less(NOTE_LIMIT, suffix))}${suffix}`;
}

/** The iid a target names; updateComment takes a ForgeTarget, but a GitLab note lives on its merge request. */
function iidOf(t: ForgeTarget): number {
  const n = (t as Partial<ChangeTarget>).number;
  if (typeof n === 'number') return n;
  throw ApplicationFailure.create({
    type: 'GitLabNeedsMergeRequest',
    message: 'a GitLab note is edited through its merge request: give the target its number (the iid)',
    nonRetryable: true,
  });
}

export function createGitLabVerbs(clientFor: (t: ForgeTarget) => GitLabApi): ForgeVerbs {
  const mrPath = (api: GitLabApi, t: ForgeTarget, iid: number) => `${api.project(t)}/merge_requests/${iid}`;
  const noteUrl = (api: GitLabApi, t: ForgeTarget, iid: number, id: number) =>
    `${api.webUrl}/${fullNameOf(t)}/-/merge_requests/${iid}#note_${id}`;
  const posted = (api: GitLabApi, t: ForgeTarget, iid: number, n: Note): PostedComment => ({
    id: n.id,
    url: noteUrl(api, t, iid, n.id),
  });
  /**
   * Diff refs by instance, project, iid and head, as the analysis read them (oldest dropped first), with the
   * finding markers the bot's notes held then, when the analysis saw all the notes.
   */
  const refsByHead = new Map<string, { refs: DiffRefs; posted?: ReadonlySet<string> }>();
  const refsKey = (api: GitLabApi, t: ForgeTarget, iid: number, headSha: string) =>
    JSON.stringify([api.webUrl, fullNameOf(t).toLowerCase(), iid, headSha]);
  const keepRefs = (key: string, refs: DiffRefs, posted?: ReadonlySet<string>) => {
    refsByHead.delete(key);
    refsByHead.set(key, { refs, ...(posted ? { posted } : {}) });
    if (refsByHead.size > REFS_KEPT) refsByHead.delete(refsByHead.keys().next().value!);
  };

  /** The merge request's notes written by the bot (the token's user), oldest first. */
  async function botNotes(api: GitLabApi, t: ChangeTarget): Promise<Note[]> {
    const me = await api.user();
    const { items } = await api.paginate<Note>(`${mrPath(api, t, t.number)}/notes`, { sort: 'asc' });
    return items.filter((n) => !n.system && n.author?.id === me.id);
  }

  /**
   * Sets a commit status. GitLab moves the pending or running status of this sha and name, and refuses a
   * move to the state it is in (400 "Cannot transition status"): that status is then the answer.
   */
  async function setStatus(
    api: GitLabApi,
    t: ForgeTarget,
    sha: string,
    s: { state: StatusState; name: string; targetUrl?: string; description?: string },
  ): Promise<{ id: number }> {
    try {
      return await api.json<CommitStatus>('POST', `${api.project(t)}/statuses/${encodeURIComponent(sha)}`, {
        body: {
          state: s.state,
          name: fit(s.name, STATUS_TEXT_LIMIT),
          ...(s.targetUrl && s.targetUrl.length <= STATUS_TEXT_LIMIT.max ? { target_url: s.targetUrl } : {}),
          ...(s.description ? { description: fit(s.description, STATUS_TEXT_LIMIT) } : {}),
        },
      });
    } catch (err) {
      if (failureType(err) !== 'GitLab400' || !/cannot transition status/i.test((err as Error).message)) throw err;
      const latest = await latestStatus(api, t, sha, s.name);
      if (latest?.status === s.state) return latest;
      throw err;
    }
  }

  async function latestStatus(api: GitLabApi, t: ForgeTarget, sha: string, name: string) {
    const { items } = await api.paginate<CommitStatus>(
      `${api.project(t)}/repository/commits/${encodeURIComponent(sha)}/statuses`,
      { name: fit(name, STATUS_TEXT_LIMIT), all: true },
    );
    return items.reduce<CommitStatus | undefined>((a, b) => (!a || b.id > a.id ? b : a), undefined);
  }

  /** The ids of the users who approved the merge request (`GET .../approvals`). */
  async function approvedBy(api: GitLabApi, mrPath: string): Promise<number[]> {
    const a = await api.get<{ approved_by?: { user?: { id: number } | null }[] }>(`${mrPath}/approvals`);
    return (a.approved_by ?? []).flatMap((x) => (x.user ? [x.user.id] : []));
  }

  /** The finding markers in notes the bot (user `me`) wrote. */
  const markersIn = (notes: Iterable<{ body: string; authorId?: number }>, me: number, into = new Set<string>()) => {
    for (const n of notes)
      if (n.authorId === me) for (const m of n.body.matchAll(/<!-- aof:finding=[0-9a-f]+ -->/g)) into.add(m[0]);
    return into;
  };

  /** The markers of findings the bot already posted on the merge request. */
  async function postedFindings(api: GitLabApi, t: ChangeTarget): Promise<Set<string>> {
    const me = await api.user();
    const { items } = await api.paginate<Discussion>(`${mrPath(api, t, t.number)}/discussions`);
    return markersIn(
      items.flatMap((d) => d.notes.map((n) => ({ body: n.body, authorId: n.author?.id }))),
      me.id,
    );
  }

  /**
   * Each finding once, as a discussion at its line, or on the merge request when GitLab refuses the line.
   * GitLab takes one discussion a request: up to FINDINGS_IN_FLIGHT go at once, not fifty in a row. After a
   * failure no further one starts, and those in flight are answered before it is thrown, so a retry's
   * lookup sees every discussion this attempt wrote.
   */
  async function postFindings(
    api: GitLabApi,
    t: ChangeTarget,
    headSha: string,
    findings: LineFinding[],
    lookUp: boolean,
  ): Promise<void> {
    // The analysis read this head's diff refs on this worker: no MR read (another worker reads them here).
    const kept = refsByHead.get(refsKey(api, t, t.number, headSha));
    const refs = kept?.refs ?? (await api.get<MergeRequest>(mrPath(api, t, t.number))).diff_refs;
    // A finding with an identity across heads is one thread on the merge request, however many pushes find
    // it again: what the bot posted is known from the analysis's read of the notes, else looked up (as on
    // every retry, for the discussions an earlier attempt wrote).
    const again = lookUp || (findings.some((f) => f.key) && !kept?.posted);
    const done = again ? await postedFindings(api, t) : new Set(kept?.posted);
    const todo: { f: LineFinding; marker: string }[] = [];
    for (const f of findings) {
      const marker = findingMarker(headSha, f);
      if (done.has(marker)) continue;
      done.add(marker); // the same finding twice in one batch is posted once
      todo.push({ f, marker });
    }
    await postAtLines(
      api,
      t,
      headSha,
      refs,
      todo.map(({ f, marker }) => ({ f, body: (where: boolean) => findingBody(f, marker, where) })),
    );
  }

  /**
   * Discussions at their lines (`f.start_line` of the head's diff), or on the merge request when GitLab
   * refuses the line (`body(true)` then says where). GitLab takes one discussion a request: up to
   * FINDINGS_IN_FLIGHT go at once, not fifty in a row. After a failure no further one starts, and those in
   * flight are answered before it is thrown, so a retry's lookup sees every discussion this attempt wrote.
   */
  async function postAtLines(
    api: GitLabApi,
    t: ChangeTarget,
    headSha: string,
    refs: DiffRefs | null | undefined,
    todo: { f: LineFinding; body: (where: boolean) => string }[],
  ): Promise<void> {
    const path = `${mrPath(api, t, t.number)}/discussions`;
    const post = async ({ f, body }: (typeof todo)[number]) => {
      // A position needs the merge request's current diff; a head that moved on has findings elsewhere.
      if (refs && refs.head_sha === headSha) {
        try {
          // The answer (the discussion) is not needed: its body is dropped unread.
          const res = await api.send('POST', path, {
            body: {
              body: body(false),
              position: {
                position_type: 'text',
                base_sha: refs.base_sha,
                start_sha: refs.start_sha,
                head_sha: refs.head_sha,
                new_path: f.path,
                new_line: f.start_line,
              },
            },
          });
          await res.cancel();
          return;
        } catch (err) {
          if (failureType(err) !== 'GitLab400') throw err; // a line the diff does not show: below
        }
      }
      await (await api.send('POST', path, { body: { body: body(true) } })).cancel();
    };
    await writeInLanes(todo, FINDINGS_IN_FLIGHT, post);
  }

  /**
   * A review's line comments (github_post_review's `comments`) as discussions at their lines, a replacement
   * as a suggestion GitLab can apply (`suggestion:-0+n` for a range); a line the diff does not show is a
   * discussion on the merge request naming it. Each carries its operation's marker and its index: a retry
   * posts only those an earlier attempt did not.
   */
  async function lineComments(
    api: GitLabApi,
    t: ChangeTarget,
    headSha: string | undefined,
    comments: readonly ReviewLineComment[],
  ): Promise<void> {
    const op = currentOperation();
    const mark = (i: number) => lineCommentMarker(op.key, i);
    const done = new Set<string>();
    if (op.retry) {
      const me = (await api.user()).id;
      const { items } = await api.paginate<Discussion>(`${mrPath(api, t, t.number)}/discussions`, {}, THREAD_PAGES);
      for (const n of items.flatMap((d) => d.notes))
        if (n.author?.id === me) for (const m of n.body.matchAll(LINE_COMMENT_MARKERS)) done.add(m[0]);
    }
    const kept = headSha ? refsByHead.get(refsKey(api, t, t.number, headSha)) : undefined;
    const refs = kept?.refs ?? (await api.get<MergeRequest>(mrPath(api, t, t.number))).diff_refs;
    const todo = comments.flatMap((c, i) => {
      if (done.has(mark(i))) return [];
      const start = c.start_line ?? c.line;
      const range = c.line > start ? `:-0+${c.line - start}` : '';
      const f: LineFinding = {
        path: c.path,
        start_line: start,
        end_line: c.line,
        annotation_level: 'notice',
        message: c.body,
      };
      const body = (where: boolean) => {
        const place = where ? `\`${c.path}:${start}${c.line > start ? `-${c.line}` : ''}\`\n\n` : '';
        const code =
          c.replacement !== undefined
            ? `\n\n${suggestionBlock(c.replacement, where ? { plain: true } : { range })}`
            : '';
        return `${place}${c.body}${code}\n\n${mark(i)}`;
      };
      return [{ f, body }];
    });
    await postAtLines(api, t, headSha ?? refs?.head_sha ?? '', refs, todo);
  }

  /**
   * A gate's findings as discussions across pushes (report: review): the bot's finding discussions read
   * (at most THREAD_PAGES pages of 100), new findings posted at their lines with a suggestion GitLab can
   * apply, fixed ones resolved (`PUT .../discussions/:id`, `resolved=true`: GitLab resolves one thread a
   * request), ones the bot had resolved and found again reopened, dismissed ones left alone. Every new
   * discussion carries the operation marker: a retry counts what an earlier attempt posted as new.
   */
  async function reviewThreads(
    api: GitLabApi,
    t: ChangeTarget,
    r: { headSha: string; findings: ReviewFinding[]; analysedPaths: string[] },
  ): Promise<ReviewThreads> {
    const op = operationMarker(currentOperation().key);
    const me = (await api.user()).id;
    const { items } = await api.paginate<Discussion>(`${mrPath(api, t, t.number)}/discussions`, {}, THREAD_PAGES);
    const threads = new Map<string, BotThread>();
    for (const d of items) {
      const first = d.notes[0];
      const marker = first && first.author?.id === me ? endingMarker(first.body) : undefined;
      if (!first || !marker || threads.has(marker)) continue;
      const byPerson = first.resolved === true && first.resolved_by != null && first.resolved_by.id !== me;
      const answered = d.notes.slice(1).some((n) => n.author?.id !== me && !n.system && DISMISSAL.test(n.body));
      threads.set(marker, {
        id: d.id,
        path: first.position?.new_path,
        resolved: first.resolved === true,
        dismissed: byPerson || answered,
        mine: first.body.includes(op),
      });
    }
    const plan = planThreads(r.findings, threads, r.analysedPaths);
    const out: ReviewThreads = { ...plan.counts, requests: 2 };
    const todo = plan.post.map(({ f, marker }) => {
      const range = f.end_line > f.start_line ? `:-0+${f.end_line - f.start_line}` : '';
      return { f, body: (where: boolean) => threadBody(f, `${op}\n${marker}`, where ? { plain: true } : { range }) };
    });
    // Resolving is idempotent: a retry resolves again what an earlier attempt resolved.
    for (const c of plan.changes) {
      out.requests++;
      await (
        await api.send('PUT', `${mrPath(api, t, t.number)}/discussions/${c.id}`, { body: { resolved: c.resolve } })
      ).cancel();
    }
    if (todo.length) {
      const kept = refsByHead.get(refsKey(api, t, t.number, r.headSha));
      const refs = kept?.refs ?? (await api.get<MergeRequest>(mrPath(api, t, t.number))).diff_refs;
      await postAtLines(api, t, r.headSha, refs, todo);
      out.requests += todo.length + (kept ? 0 : 1);
      out.new += todo.length;
    }
    return out;
  }

  /**
   * Blobs at `ref` by path, in one GraphQL request (GitLab leaves out paths missing at the ref); with `iid`,
   * the merge request's diff refs and first page of notes along.
   */
  async function blobsAt(
    api: GitLabApi,
    t: ForgeTarget,
    ref: string,
    paths: string[],
    iid?: number,
    base?: { ref: string; paths: string[] },
  ) {
    type Blobs = { nodes: (Blob | null)[] } | null;
    const data = await api.graphql<{
      project:
        | ({ repository: { blobs: Blobs; base?: Blobs } | null } & Partial<{
            mergeRequest: ChangeAlong | null;
          }>)
        | null;
    }>(blobsQuery(iid !== undefined, base !== undefined), {
      fullPath: fullNameOf(t),
      ref,
      paths,
      ...(iid !== undefined ? { iid: String(iid) } : {}),
      ...(base ? { baseRef: base.ref, basePaths: base.paths } : {}),
    });
    const nodes = (b: Blobs | undefined) => (b?.nodes ?? []).filter((n): n is Blob => n !== null);
    return {
      nodes: nodes(data.project?.repository?.blobs),
      base: nodes(data.project?.repository?.base),
      along: data.project?.mergeRequest ?? undefined,
    };
  }

  /**
   * What GraphQL's blobs give for `paths`, into `into`: a file's text; null when missing, binary or over
   * `maxBytes` (then its size in `tooLarge`); a path whose text GitLab cut goes to `rest` (read over REST).
   */
  function takeBlobs(
    nodes: Blob[],
    paths: string[],
    maxBytes: number,
    into: { contents: Map<string, string | null>; tooLarge: Map<string, number>; rest: string[] },
  ) {
    const byPath = new Map(nodes.map((n) => [n.path, n]));
    for (const path of paths) {
      const n = byPath.get(path);
      const size = Number(n?.rawSize);
      if (n && Number.isFinite(size) && size > maxBytes) {
        into.contents.set(path, null); // too large: its text is not kept
        into.tooLarge.set(path, size);
      } else if (!n)
        into.contents.set(path, null); // missing
      else if (n.rawTextBlob === null)
        into.contents.set(path, null); // binary
      else if (Number.isFinite(size) && Buffer.byteLength(n.rawTextBlob) !== size)
        into.rest.push(path); // cut
      else into.contents.set(path, n.rawTextBlob.includes('\0') ? null : n.rawTextBlob);
    }
  }

  /** Reads over REST what GraphQL could not give (`rest`), one file each, into the same maps. */
  async function readRest(
    api: GitLabApi,
    t: ForgeTarget,
    sha: string,
    maxBytes: number,
    into: { contents: Map<string, string | null>; tooLarge: Map<string, number>; rest: string[] },
  ) {
    for (const path of into.rest.splice(0)) {
      const read = await rawFile(api, t, sha, path, maxBytes);
      into.contents.set(path, read.text);
      if (read.tooLarge !== undefined) into.tooLarge.set(path, read.tooLarge);
    }
  }

  /**
   * Files at `sha`: GraphQL first, up to 100 blobs a request; what it cannot give is read over REST, one file
   * each. With `iid`, the first request also reads the merge request (`along`; absent when GitLab refused it).
   */
  async function readFiles(
    api: GitLabApi,
    t: ForgeTarget,
    sha: string,
    paths: string[],
    maxBytes: number,
    iid?: number,
  ) {
    const before = api.requests;
    /** Texts; the size of each file left out for being over `maxBytes`; paths to read over REST. */
    const into = {
      contents: new Map<string, string | null>(),
      tooLarge: new Map<string, number>(),
      rest: [] as string[],
    };
    let along: ChangeAlong | undefined;
    for (let i = 0; i < Math.max(paths.length, iid === undefined ? 0 : 1); i += BLOBS_PER_QUERY) {
      const batch = paths.slice(i, i + BLOBS_PER_QUERY);
      let nodes: Blob[];
      try {
        ({ nodes, along } = await blobsAt(api, t, sha, batch, i === 0 ? iid : undefined).catch((err: unknown) => {
          if (i > 0 || iid === undefined || failureType(err) !== 'GitLabGraphQL') throw err;
          return blobsAt(api, t, sha, batch); // an instance that refuses the merge request's part: the blobs alone
        }));
      } catch (err) {
        if (['GitLabRateLimited', 'GitLabUnavailable'].includes(failureType(err) ?? '')) throw err;
        into.rest.push(...batch); // an instance without the field, or a query it refused: REST below
        continue;
      }
      takeBlobs(nodes, batch, maxBytes, into);
    }
    await readRest(api, t, sha, maxBytes, into);
    const { contents, tooLarge } = into;
    return { contents, requests: api.requests - before, along, tooLarge };
  }

  /** One file at `sha` over REST (`/repository/files/:path/raw`); null when missing, binary or over `maxBytes`. */
  async function rawFile(
    api: GitLabApi,
    t: ForgeTarget,
    sha: string,
    path: string,
    maxBytes: number,
  ): Promise<FileRead> {
    let res: HttpAnswer;
    try {
      res = await api.send('GET', `${api.project(t)}/repository/files/${encodeURIComponent(path)}/raw`, {
        query: { ref: sha },
      });
    } catch (err) {
      if (failureType(err) !== 'GitLab404') throw err;
      return { text: null };
    }
    return fileRead(res, maxBytes, { sizeHeader: 'x-gitlab-size' });
  }

  /**
   * GitLab takes labels as one comma-separated value (`add_labels`, `remove_labels`): a label with a comma
   * in its name would be split into two other labels, so it is refused, naming the label.
   */
  const commaFree = (labels: readonly string[]) => {
    const bad = labels.find((l) => l.includes(','));
    if (bad !== undefined)
      throw ApplicationFailure.create({
        type: 'GitLabLabelComma',
        message: `GitLab cannot take the label ${JSON.stringify(bad.slice(0, 100))}: its API separates labels with commas`,
        nonRetryable: true,
      });
  };

  const verbs: ForgeVerbs = {
    async changedFiles(t, maxPages) {
      const api = clientFor(t);
      const before = api.requests;
      const { items, truncated } = await api.paginate<Diff>(`${mrPath(api, t, t.number)}/diffs`, {}, maxPages);
      return { files: items.map(changedFileOf), truncated, requests: api.requests - before };
    },

    async filesAt(t, sha, paths, maxBytes) {
      const { contents, requests, tooLarge } = await readFiles(clientFor(t), t, sha, paths, maxBytes);
      return { contents, requests, ...(tooLarge.size ? { tooLarge } : {}) };
    },

    /**
     * The analysis's reads: the diffs over REST, then the head's blobs with the merge request's diff refs (kept
     * for posting findings) and its first 100 notes (where the bot's marked note is found) in one GraphQL
     * request. Only the bot's own notes count: anyone can paste the marker into a note. With the repository's
     * configuration (`configFiles`), the merge request's fields come first (beside the diffs), and the
     * configuration at the base commit is read in the request that reads the head's blobs.
     */
    changeReader(t, headSha, commentMarker): ChangeReader {
      const api = clientFor(t);
      let comment: number | null | undefined;
      let listing: ReturnType<ChangeReader['changedFiles']> | undefined;
      /** The merge request's fields, when `configFiles` read them. */
      let known: ChangeAlong | undefined;
      /** The head's blobs read along the configuration, and the paths asked for (a missing path has no node). */
      let early: { nodes: Blob[]; asked: Set<string> } | undefined;
      /** Keeps the diff refs and finds the bot's marked note, from what GraphQL read of the merge request. */
      const learn = (along: ChangeAlong | undefined, me: { id: number } | undefined) => {
        const refs = along?.diffRefs;
        const notes = along?.notes;
        if (refs?.headSha === headSha && refs.baseSha)
          keepRefs(
            refsKey(api, t, t.number, headSha),
            { base_sha: refs.baseSha, head_sha: refs.headSha, start_sha: refs.startSha },
            me && notes && !notes.pageInfo.hasNextPage
              ? markersIn(
                  notes.nodes.flatMap((n) => (n ? [{ body: n.body, authorId: idOfGid(n.author?.id) }] : [])),
                  me.id,
                )
              : undefined,
          );
        if (commentMarker && me && along) {
          const mine = along.notes.nodes.find(
            (n) => n && !n.system && idOfGid(n.author?.id) === me.id && n.body.includes(commentMarker),
          );
          // Not among the first page: unknown, and the write looks it up.
          comment = mine ? (idOfGid(mine.id) ?? undefined) : along.notes.pageInfo.hasNextPage ? undefined : null;
        }
      };
      return {
        changedFiles: (maxPages) => (listing ??= verbs.changedFiles(t, maxPages)),
        async configFiles(path, maxBytes, readsAtHead) {
          const before = api.requests;
          const data = await api
            .graphql<{ project: { mergeRequest: ChangeAlong | null } | null }>(CHANGE_QUERY, {
              fullPath: fullNameOf(t),
              iid: String(t.number),
            })
            .catch((err: unknown) => {
              if (failureType(err) !== 'GitLabGraphQL') throw err;
              return undefined; // an instance without these fields: the REST reads below
            });
          const mr = data?.project?.mergeRequest ?? undefined;
          if (!mr) return undefined;
          known = mr;
          const info = {
            baseSha: mr.diffRefs?.baseSha ?? '',
            baseBranch: mr.targetBranch ?? '',
            draft: mr.draft === true,
            title: mr.title ?? '',
            author: mr.author?.username ?? '',
          };
          if (!info.baseSha) return { info, base: { text: null }, requests: api.requests - before };
          // The head's files the analysis will read (as far as the listing tells, before path filters): read
          // now, in the request that reads the configuration at the base commit.
          const listed = await listing?.catch(() => undefined);
          const heads = (listed?.files ?? [])
            .filter(readsAtHead)
            .map((f) => f.filename)
            .slice(0, BLOBS_PER_QUERY);
          const into = {
            contents: new Map<string, string | null>(),
            tooLarge: new Map<string, number>(),
            rest: [] as string[],
          };
          try {
            const read = await blobsAt(api, t, headSha, heads, undefined, { ref: info.baseSha, paths: [path] });
            early = { nodes: read.nodes, asked: new Set(heads) };
            takeBlobs(read.base, [path], maxBytes, into);
            await readRest(api, t, info.baseSha, maxBytes, into);
          } catch (err) {
            if (['GitLabRateLimited', 'GitLabUnavailable'].includes(failureType(err) ?? '')) throw err;
            const read = await readFiles(api, t, info.baseSha, [path], maxBytes);
            into.contents = read.contents;
            into.tooLarge = read.tooLarge;
          }
          const size = into.tooLarge.get(path);
          return {
            info,
            base: size !== undefined ? { text: null, tooLarge: size } : { text: into.contents.get(path) ?? null },
            requests: api.requests - before,
          };
        },
        async filesAt(files, maxFileBytes) {
          const before = api.requests;
          const paths = files.map((f) => f.path);
          const ready = paths.filter((p) => early?.asked.has(p));
          const into = {
            contents: new Map<string, string | null>(),
            tooLarge: new Map<string, number>(),
            rest: [] as string[],
          };
          if (early) takeBlobs(early.nodes, ready, maxFileBytes, into);
          const [read, me] = await Promise.all([
            readFiles(
              api,
              t,
              headSha,
              paths.filter((p) => !early?.asked.has(p)),
              maxFileBytes,
              known ? undefined : t.number,
            ),
            api.user(),
            readRest(api, t, headSha, maxFileBytes, into),
          ]);
          learn(known ?? read.along, me);
          for (const [p, text] of read.contents) into.contents.set(p, text);
          return { contents: into.contents, requests: api.requests - before };
        },
        comment: () => comment,
      };
    },

    async head(t) {
      const api = clientFor(t);
      const mr = await api.get<MergeRequest>(mrPath(api, t, t.number));
      const state = mr.state === 'opened' || mr.state === 'locked' ? 'open' : mr.state;
      return { sha: mr.sha ?? mr.diff_refs?.head_sha ?? '', state };
    },

    /**
     * `GET /projects/:id/merge_requests?state=opened`, most recently updated first, 100 a page (GitLab's
     * most) up to `limit`; X-Total counts them (GitLab leaves it out beyond 10,000).
     */
    async openChanges(t, limit) {
      const api = clientFor(t);
      const before = api.requests;
      const perPage = Math.max(1, Math.min(100, limit));
      const listed: { number: number; headSha: string }[] = [];
      let page: string | null = '1';
      let total: number | undefined;
      while (page && listed.length < limit) {
        const res = await api.send('GET', `${api.project(t)}/merge_requests`, {
          query: { state: 'opened', order_by: 'updated_at', sort: 'desc', per_page: perPage, page },
        });
        for (const mr of await res.json<(MergeRequest & { iid: number })[]>())
          listed.push({ number: mr.iid, headSha: mr.sha ?? mr.diff_refs?.head_sha ?? '' });
        const counted = Number(res.headers.get('x-total') ?? NaN);
        total = Number.isInteger(counted) ? counted : undefined;
        page = res.headers.get('x-next-page') || null;
      }
      return openChangesOf(listed, limit, page !== null, total, api.requests - before);
    },

    async changeInfo(t) {
      const api = clientFor(t);
      const mr = await api.get<MergeRequest>(mrPath(api, t, t.number));
      return {
        baseSha: mr.diff_refs?.base_sha ?? '',
        baseBranch: mr.target_branch ?? '',
        draft: mr.draft === true || mr.work_in_progress === true,
        title: mr.title ?? '',
        author: mr.author?.username ?? '',
      };
    },

    async postComment(t, body) {
      const api = clientFor(t);
      const op = currentOperation();
      const note = await postOnce(
        op,
        async () => (await botNotes(api, t)).find((n) => n.body.includes(operationMarker(op.key))),
        () =>
          api.json<Note>('POST', `${mrPath(api, t, t.number)}/notes`, {
            body: { body: markBody(body, op, NOTE_LIMIT) },
          }),
      );
      return posted(api, t, t.number, note);
    },

    async updateComment(t, commentId, body) {
      const api = clientFor(t);
      const iid = iidOf(t);
      const note = await api.json<Note>('PUT', `${mrPath(api, t, iid)}/notes/${commentId}`, {
        body: { body: fit(body, NOTE_LIMIT) },
      });
      return posted(api, t, iid, note);
    },

    async upsertMarkedComment(t, marker, body, known) {
      const api = clientFor(t);
      const notes = `${mrPath(api, t, t.number)}/notes`;
      const text = fit(body, NOTE_LIMIT);
      return upsertMarked({
        known,
        gone: (err) => failureType(err) === 'GitLab404',
        find: async () => (await botNotes(api, t)).find((n) => n.body.includes(marker)),
        create: async () => posted(api, t, t.number, await api.json<Note>('POST', notes, { body: { body: text } })),
        update: async (id) =>
          posted(api, t, t.number, await api.json<Note>('PUT', `${notes}/${id}`, { body: { body: text } })),
      });
    },

    async createCheck(t, c) {
      const api = clientFor(t);
      const url = c.detailsUrl ?? `${api.webUrl}/${fullNameOf(t)}/-/commit/${c.headSha}`;
      const state = c.conclusion ? STATE_OF_CONCLUSION[c.conclusion] : (STATE_OF_STATUS[c.status] ?? 'pending');
      // A finished status is a new one each time it is set: a retry first looks for the one it may have set.
      if (!['pending', 'running'].includes(state) && currentOperation().retry) {
        const latest = await latestStatus(api, t, c.headSha, c.name);
        if (latest?.status === state) return { id: latest.id, url };
      }
      const status = await setStatus(api, t, c.headSha, {
        state,
        name: c.name,
        targetUrl: c.detailsUrl,
        description:
          c.output?.title ??
          (c.status === 'queued' ? 'Queued' : c.status === 'in_progress' ? 'In progress' : undefined),
      });
      return { id: status.id, url };
    },

    async checkById(t, headSha, checkId) {
      const api = clientFor(t);
      const { items } = await api.paginate<CommitStatus>(
        `${api.project(t)}/repository/commits/${encodeURIComponent(headSha)}/statuses`,
        { all: true },
      );
      const found = items.find((s) => s.id === checkId);
      return found && { name: found.name, state: found.status };
    },

    async updateCheck(t, c) {
      const { headSha, name } = c;
      if (!headSha || !name) throw new Error('a GitLab check (a commit status) needs its commit and name');
      const api = clientFor(t);
      const retry = currentOperation().retry;
      const findings = findingsOf(c.output?.annotations);
      // Findings first: a check seen finished has its findings posted.
      // With report: review the findings' discussions are the review's (reviewThreads), not posted twice.
      if (findings.length && c.number !== undefined && !c.threadsByReview)
        await postFindings(api, { ...t, number: c.number }, headSha, findings, retry || (c.annotationsBefore ?? 0) > 0);
      if (!c.status && !c.conclusion) return; // later updates only add findings, which a status cannot show
      const state = c.conclusion ? STATE_OF_CONCLUSION[c.conclusion] : STATE_OF_STATUS[c.status!];
      // A finished status is never moved: a second `success` would be a second status. A retry looks first.
      if (retry && (await latestStatus(api, t, headSha, name))?.status === state) return;
      await setStatus(api, t, headSha, {
        state,
        name: name,
        targetUrl: c.detailsUrl,
        description: c.output?.title ?? (c.status === 'in_progress' ? 'In progress' : undefined),
      });
    },

    async checkDone(t, headSha, name) {
      const api = clientFor(t);
      const { items } = await api.paginate<CommitStatus>(
        `${api.project(t)}/repository/commits/${encodeURIComponent(headSha)}/statuses`,
        { name: fit(name, STATUS_TEXT_LIMIT), all: true },
      );
      return items.some((s) => s.status === 'success' || s.status === 'failed');
    },

    reviewThreads: (t, r) => reviewThreads(clientFor(t), t, r),

    async submitReview(t, r) {
      const api = clientFor(t);
      if (r.event === 'APPROVE') {
        const path = mrPath(api, t, t.number);
        // Approving twice is refused (401): a retry first asks whether an earlier attempt approved.
        const approved = currentOperation().retry && (await approvedBy(api, path)).includes((await api.user()).id);
        if (!approved)
          await api.json('POST', `${path}/approve`, r.headSha ? { body: { sha: r.headSha } } : {}).catch((err) => {
            if (failureType(err) !== 'GitLab401') throw err;
            throw ApplicationFailure.create({
              type: 'GitLab401',
              message: `GitLab refused the approval (401): the bot may not approve this merge request (its own, already approved by it, or not an eligible approver)`,
              nonRetryable: true,
            });
          });
      }
      // GitLab's REST API has no "request changes": the review's text says so.
      if (r.comments?.length) await lineComments(api, t, r.headSha, r.comments);
      return verbs.postComment(t, r.event === 'REQUEST_CHANGES' ? `**Changes requested**\n\n${r.body}` : r.body);
    },

    async mayApprove(t, p) {
      const api = clientFor(t);
      const users = await api.get<{ id: number; username: string }[]>('/users', { username: p.login });
      const user = users.find((u) => u.username.toLowerCase() === p.login.toLowerCase());
      if (!user) return { allowed: false, permission: 'none' };
      /** A member's access level; a 404 (not a member) or 403 (may not ask) is none. */
      const levelAt = async (path: string): Promise<number | undefined> => {
        try {
          const m = await api.get<{ access_level: number; membership_state?: string }>(path);
          return m.membership_state === 'awaiting' ? undefined : m.access_level;
        } catch (err) {
          if (['GitLab404', 'GitLab403'].includes(failureType(err) ?? '')) return undefined;
          throw err;
        }
      };
      const level = await levelAt(`${api.project(t)}/members/all/${user.id}`);
      const permission = level === undefined ? 'none' : (ACCESS_LEVEL_NAMES[level] ?? `access level ${level}`);
      const login = p.login.toLowerCase();
      for (const entry of p.approvers)
        if (!entry.includes('/') && entry.toLowerCase() === login)
          return { allowed: true, via: `listed as ${entry}`, permission } satisfies Authorization;
      for (const group of p.approvers.filter((e) => e.includes('/'))) {
        const inGroup = await levelAt(`/groups/${encodeURIComponent(group)}/members/all/${user.id}`);
        if (inGroup !== undefined && inGroup >= 10) return { allowed: true, via: `member of ${group}`, permission };
      }
      if (p.minPermission && (level ?? 0) >= (MIN_LEVEL[p.minPermission.toLowerCase()] ?? Infinity))
        return { allowed: true, via: `${permission} access`, permission };
      return { allowed: false, permission };
    },

    async botIdentity(t) {
      const me = await clientFor(t).user();
      return { login: me.username, id: me.id };
    },

    labels: {
      async add(t, labels) {
        commaFree(labels);
        const api = clientFor(t);
        const path = mrPath(api, t, t.number);
        if (!labels.length) return (await api.get<{ labels: string[] }>(path)).labels;
        return (await api.json<{ labels: string[] }>('PUT', path, { body: { add_labels: labels.join(',') } })).labels;
      },
      async remove(t, label) {
        commaFree([label]);
        const api = clientFor(t);
        await api.json('PUT', mrPath(api, t, t.number), { body: { remove_labels: label } });
      },
    },
  };
  return verbs;
}
