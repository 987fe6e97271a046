// Merge request notes (comments): list (sorted, paginated), read one, create, edit. A note created here is
// also an individual-note discussion, as on GitLab, so it shows in `/discussions` too.
import {
  checkParams,
  forbidden,
  notFound,
  PAGINATION,
  paginate,
  type ParamSpec,
  type RequestContext,
  type Route,
} from './http.js';
import { findMergeRequest, findProject, requireAccess } from './projects.js';
import { ACCESS, type GitLabMergeRequest, type GitLabNote } from './state.js';
import { userById, webBase } from './users.js';

/** GitLab's limit on a note's text. */
export const NOTE_MAX = 1_000_000;
export const NOTE_BODY: ParamSpec = {
  type: 'string',
  required: true,
  notBlank: true,
  maxLength: { max: NOTE_MAX, field: 'note' },
};

export function noteView(ctx: RequestContext, mr: GitLabMergeRequest, n: GitLabNote) {
  return {
    id: n.id,
    type: n.type,
    body: n.body,
    attachment: null,
    author: userById(ctx.state, n.authorId, webBase(ctx)),
    created_at: n.createdAt,
    updated_at: n.updatedAt,
    system: n.system,
    noteable_id: mr.id,
    noteable_type: 'MergeRequest',
    project_id: mr.projectId,
    noteable_iid: mr.iid,
    commit_id: null,
    resolvable: n.type === 'DiffNote' || n.type === 'DiscussionNote',
    ...(n.resolved !== undefined
      ? {
          resolved: n.resolved,
          resolved_by: n.resolved && n.resolvedById ? userById(ctx.state, n.resolvedById, webBase(ctx)) : null,
        }
      : {}),
    confidential: n.internal,
    internal: n.internal,
    ...(n.position ? { position: n.position } : {}),
  };
}

export function newNote(ctx: RequestContext, body: string, extra: Partial<GitLabNote> = {}): GitLabNote {
  const at = ctx.state.timestamp();
  return {
    id: ctx.state.id(),
    type: null,
    body,
    authorId: ctx.user.id,
    system: false,
    internal: false,
    createdAt: at,
    updatedAt: at,
    ...extra,
  };
}

function findNote(ctx: RequestContext, mr: GitLabMergeRequest, noteId: string): GitLabNote {
  const note = /^\d+$/.test(noteId) ? ctx.state.notesOf(mr).find((n) => n.id === Number(noteId)) : undefined;
  if (!note) throw notFound('Note');
  return note;
}

const target = (ctx: RequestContext, id: string, iid: string) => {
  const project = findProject(ctx, id);
  return { project, mr: findMergeRequest(ctx, project, iid) };
};

export const noteRoutes: Route[] = [
  {
    method: 'GET',
    pattern: 'projects/:id/merge_requests/:iid/notes',
    handler: (ctx, [id, iid]) => {
      const p = checkParams(ctx, {
        ...PAGINATION,
        sort: { type: 'string', values: ['asc', 'desc'] },
        order_by: { type: 'string', values: ['created_at', 'updated_at'] },
      });
      const { mr } = target(ctx, id!, iid!);
      const key = p.order_by === 'updated_at' ? 'updatedAt' : 'createdAt';
      const sign = p.sort === 'asc' ? 1 : -1; // GitLab's default is newest first
      const notes = [...ctx.state.notesOf(mr)].sort((a, b) => sign * (a[key].localeCompare(b[key]) || a.id - b.id));
      const page = paginate(
        notes.map((n) => noteView(ctx, mr, n)),
        ctx,
      );
      return { body: page.body, headers: page.headers };
    },
  },
  {
    method: 'GET',
    pattern: 'projects/:id/merge_requests/:iid/notes/:note_id',
    handler: (ctx, [id, iid, noteId]) => {
      checkParams(ctx, {});
      const { mr } = target(ctx, id!, iid!);
      return { body: noteView(ctx, mr, findNote(ctx, mr, noteId!)) };
    },
  },
  {
    method: 'POST',
    pattern: 'projects/:id/merge_requests/:iid/notes',
    handler: (ctx, [id, iid]) => {
      const { project, mr } = target(ctx, id!, iid!);
      const p = checkParams(ctx, {
        body: NOTE_BODY,
        internal: { type: 'boolean' },
        created_at: { type: 'string' },
        merge_request_diff_head_sha: { type: 'string' },
      });
      requireAccess(ctx, project, ACCESS.guest);
      const note = newNote(ctx, p.body, { internal: p.internal ?? false });
      ctx.state.discussions.push({
        id: ctx.state.newDiscussionId(),
        projectId: mr.projectId,
        mrIid: mr.iid,
        individualNote: true,
        notes: [note],
      });
      return { status: 201, body: noteView(ctx, mr, note), wrote: true };
    },
  },
  {
    method: 'PUT',
    pattern: 'projects/:id/merge_requests/:iid/notes/:note_id',
    handler: (ctx, [id, iid, noteId]) => {
      const { mr } = target(ctx, id!, iid!);
      const p = checkParams(ctx, { body: NOTE_BODY });
      const note = findNote(ctx, mr, noteId!);
      // Only a note's author may change its text.
      if (note.authorId !== ctx.user.id) throw forbidden();
      note.body = p.body;
      note.updatedAt = ctx.state.timestamp();
      return { body: noteView(ctx, mr, note), wrote: true };
    },
  },
];
