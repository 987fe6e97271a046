// Merge request discussions (threads): list, start one (on the overview, or on a diff line with a
// `position`), reply, and edit or resolve a note in a thread. A diff position must name the merge request's
// current diff_refs and a line that is in its diff: an added line by `new_line`, a removed line by
// `old_line`, an unchanged line shown in a hunk by both; anything else is the 400 GitLab answers
// ("line_code can't be blank") rather than a comment on the wrong line.
import {
  badRequest,
  checkParams,
  forbidden,
  GitLabHttpError,
  notFound,
  PAGINATION,
  paginate,
  type RequestContext,
  type Route,
} from './http.js';
import { NOTE_BODY, newNote, noteView } from './notes.js';
import { findMergeRequest, findProject, requireAccess } from './projects.js';
import { ACCESS, type GitLabDiff, type GitLabDiscussion, type GitLabMergeRequest } from './state.js';

const SHA = /^[0-9a-f]{40}$/;
const POSITION_KEYS: Record<string, 'string' | 'integer' | 'object'> = {
  base_sha: 'string',
  start_sha: 'string',
  head_sha: 'string',
  position_type: 'string',
  new_path: 'string',
  old_path: 'string',
  new_line: 'integer',
  old_line: 'integer',
  line_range: 'object',
  width: 'integer',
  height: 'integer',
  x: 'integer',
  y: 'integer',
};

const LINE_CODE_ERROR =
  '400 Bad request - Note {:line_code=>["can\'t be blank", "must be a valid line code"], :position=>["is incomplete"]}';

function discussionView(ctx: RequestContext, mr: GitLabMergeRequest, d: GitLabDiscussion) {
  return { id: d.id, individual_note: d.individualNote, notes: d.notes.map((n) => noteView(ctx, mr, n)) };
}

/** Checks a diff position like GitLab does and returns it as GitLab echoes it. */
function checkPosition(ctx: RequestContext, mr: GitLabMergeRequest, raw: unknown): Record<string, unknown> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw badRequest('position is invalid');
  const pos = raw as Record<string, unknown>;
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(pos)) {
    const type = POSITION_KEYS[k];
    if (!type) {
      ctx.state.violations.push({ method: ctx.method, path: ctx.url.pathname, problem: `undeclared position[${k}]` });
      problems.push(`position[${k}] is not a parameter of this endpoint`);
      continue;
    }
    if (v === null || v === undefined) continue;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
    if (type === 'integer' && !Number.isSafeInteger(n)) problems.push(`position[${k}] is invalid`);
    else if (type === 'string' && typeof v !== 'string') problems.push(`position[${k}] is invalid`);
    else if (type === 'object' && typeof v !== 'object') problems.push(`position[${k}] is invalid`);
    else out[k] = type === 'integer' ? n : v;
  }
  for (const k of ['base_sha', 'start_sha', 'head_sha', 'position_type'])
    if (out[k] === undefined && !problems.some((p) => p.startsWith(`position[${k}]`)))
      problems.push(`position[${k}] is missing`);
  if (out.position_type !== undefined && !['text', 'image', 'file'].includes(out.position_type as string))
    problems.push('position[position_type] does not have a valid value');
  if (problems.length) throw badRequest(problems.join(', '));
  if (out.position_type !== 'text') throw badRequest('position[position_type] does not have a valid value');

  // The position must be on the merge request's current diff, at a line that diff shows.
  const refsMatch = out.base_sha === mr.baseSha && out.start_sha === mr.startSha && out.head_sha === mr.headSha;
  const shasWellFormed = [out.base_sha, out.start_sha, out.head_sha].every((s) => SHA.test(String(s)));
  const newPath = (out.new_path ?? out.old_path) as string | undefined;
  const oldPath = (out.old_path ?? out.new_path) as string | undefined;
  const diff = mr.diffs.find((d) => d.new_path === newPath && d.old_path === oldPath);
  if (!shasWellFormed || !refsMatch || !diff || !lineInDiff(diff, out.old_line as number, out.new_line as number))
    throw new GitLabHttpError(400, { message: LINE_CODE_ERROR });
  return {
    base_sha: out.base_sha,
    start_sha: out.start_sha,
    head_sha: out.head_sha,
    old_path: oldPath,
    new_path: newPath,
    position_type: 'text',
    old_line: out.old_line ?? null,
    new_line: out.new_line ?? null,
    line_range: out.line_range ?? null,
  };
}

/** Whether (old_line, new_line) names a line of the diff: added (new only), removed (old only), or context (both). */
export function lineInDiff(diff: GitLabDiff, oldLine?: number, newLine?: number): boolean {
  if (oldLine === undefined && newLine === undefined) return false;
  let o = 0;
  let n = 0;
  for (const line of diff.diff.split('\n')) {
    const hunk = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (hunk) {
      o = Number(hunk[1]);
      n = Number(hunk[2]);
      continue;
    }
    if (line.startsWith('+')) {
      if (newLine === n && oldLine === undefined) return true;
      n++;
    } else if (line.startsWith('-')) {
      if (oldLine === o && newLine === undefined) return true;
      o++;
    } else if (line.startsWith(' ')) {
      if (oldLine === o && newLine === n) return true;
      o++;
      n++;
    }
  }
  return false;
}

const target = (ctx: RequestContext, id: string, iid: string) => {
  const project = findProject(ctx, id);
  return { project, mr: findMergeRequest(ctx, project, iid) };
};

function findDiscussion(ctx: RequestContext, mr: GitLabMergeRequest, discussionId: string): GitLabDiscussion {
  const d = ctx.state.discussionsOf(mr).find((x) => x.id === discussionId);
  if (!d) throw notFound('Discussion');
  return d;
}

/** Resolves (or reopens) a thread: every note of it, remembering who. */
function resolve(ctx: RequestContext, d: GitLabDiscussion, resolved: boolean): void {
  for (const n of d.notes) {
    n.resolved = resolved;
    if (resolved) n.resolvedById = ctx.user.id;
    else delete n.resolvedById;
  }
}

export const discussionRoutes: Route[] = [
  {
    // Resolve or reopen a thread: developers and up, or the merge request's author (GitLab's rule).
    method: 'PUT',
    pattern: 'projects/:id/merge_requests/:iid/discussions/:discussion_id',
    handler: (ctx, [id, iid, did]) => {
      const { project, mr } = target(ctx, id!, iid!);
      const p = checkParams(ctx, { resolved: { type: 'boolean', required: true } });
      if (mr.authorId !== ctx.user.id) requireAccess(ctx, project, ACCESS.developer);
      const d = findDiscussion(ctx, mr, did!);
      if (d.individualNote || !d.notes[0]?.type) throw badRequest('discussion_id is not resolvable');
      resolve(ctx, d, p.resolved as boolean);
      for (const n of d.notes) n.updatedAt = ctx.state.timestamp();
      return { body: discussionView(ctx, mr, d), wrote: true };
    },
  },
  {
    method: 'GET',
    pattern: 'projects/:id/merge_requests/:iid/discussions',
    handler: (ctx, [id, iid]) => {
      checkParams(ctx, PAGINATION);
      const { mr } = target(ctx, id!, iid!);
      const page = paginate(
        ctx.state.discussionsOf(mr).map((d) => discussionView(ctx, mr, d)),
        ctx,
      );
      return { body: page.body, headers: page.headers };
    },
  },
  {
    method: 'GET',
    pattern: 'projects/:id/merge_requests/:iid/discussions/:discussion_id',
    handler: (ctx, [id, iid, did]) => {
      checkParams(ctx, {});
      const { mr } = target(ctx, id!, iid!);
      return { body: discussionView(ctx, mr, findDiscussion(ctx, mr, did!)) };
    },
  },
  {
    method: 'POST',
    pattern: 'projects/:id/merge_requests/:iid/discussions',
    handler: (ctx, [id, iid]) => {
      const { project, mr } = target(ctx, id!, iid!);
      const p = checkParams(ctx, {
        body: NOTE_BODY,
        position: { type: 'object' },
        commit_id: { type: 'string' },
        created_at: { type: 'string' },
      });
      requireAccess(ctx, project, ACCESS.guest);
      const position = p.position === undefined ? undefined : checkPosition(ctx, mr, p.position);
      const note = newNote(ctx, p.body, {
        type: position ? 'DiffNote' : 'DiscussionNote',
        position,
        resolved: false,
      });
      const d: GitLabDiscussion = {
        id: ctx.state.newDiscussionId(),
        projectId: mr.projectId,
        mrIid: mr.iid,
        individualNote: false,
        notes: [note],
      };
      ctx.state.discussions.push(d);
      return { status: 201, body: discussionView(ctx, mr, d), wrote: true };
    },
  },
  {
    method: 'POST',
    pattern: 'projects/:id/merge_requests/:iid/discussions/:discussion_id/notes',
    handler: (ctx, [id, iid, did]) => {
      const { project, mr } = target(ctx, id!, iid!);
      const p = checkParams(ctx, { body: NOTE_BODY, note_id: { type: 'integer' }, created_at: { type: 'string' } });
      requireAccess(ctx, project, ACCESS.guest);
      const d = findDiscussion(ctx, mr, did!);
      if (d.individualNote) throw badRequest('discussion_id is invalid');
      const note = newNote(ctx, p.body, { type: 'DiscussionNote', resolved: false });
      d.notes.push(note);
      return { status: 201, body: noteView(ctx, mr, note), wrote: true };
    },
  },
  {
    method: 'PUT',
    pattern: 'projects/:id/merge_requests/:iid/discussions/:discussion_id/notes/:note_id',
    handler: (ctx, [id, iid, did, nid]) => {
      const { mr } = target(ctx, id!, iid!);
      const p = checkParams(ctx, { body: { ...NOTE_BODY, required: false }, resolved: { type: 'boolean' } });
      if (p.body === undefined && p.resolved === undefined)
        throw badRequest('body, resolved are missing, exactly one parameter must be provided');
      if (p.body !== undefined && p.resolved !== undefined) throw badRequest('body, resolved are mutually exclusive');
      const d = findDiscussion(ctx, mr, did!);
      const note = d.notes.find((n) => String(n.id) === nid);
      if (!note) throw notFound('Note');
      if (p.body !== undefined) {
        if (note.authorId !== ctx.user.id) throw forbidden();
        note.body = p.body;
      } else resolve(ctx, d, p.resolved as boolean);
      note.updatedAt = ctx.state.timestamp();
      return { body: noteView(ctx, mr, note), wrote: true };
    },
  },
];
