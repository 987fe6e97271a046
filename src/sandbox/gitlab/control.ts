// The GitLab sandbox's own surface under /_sandbox/ (never GitLab's API): what `aofctl dev` and
// `aofctl simulate --forge gitlab` use to give it the merge request a simulated delivery is about, and to
// look at what the product wrote (notes, discussions, commit statuses).
import { ACCESS, type GitLabState } from './state.js';

export interface SimulatedMergeRequest {
  /** `path_with_namespace`, and the project id the payload names. */
  project: string;
  projectId?: number;
  iid: number;
  /** The author's username and id as the payload names them. */
  author: string;
  authorId?: number;
  title?: string;
  headSha: string;
  baseSha: string;
  /** The bot: a Developer of the project, so it may write there. */
  bot: string;
  diffs: { new_path: string; diff: string; new_file?: boolean; content?: string }[];
}

/** Answers a /_sandbox/ request: [status, body]. */
export function control(state: GitLabState, method: string, path: string, body: unknown): [number, unknown] {
  const what = path.slice('/_sandbox/'.length);
  if (method === 'POST' && what === 'merge_requests') {
    const m = body as SimulatedMergeRequest;
    if (!m?.project || !Number.isInteger(m.iid) || !m.author || !m.headSha || !m.baseSha || !m.bot)
      return [400, { error: 'project, iid, author, headSha, baseSha and bot are required' }];
    if (!state.userByUsername(m.author))
      state.addUser({ username: m.author, ...(m.authorId && !state.users.has(m.authorId) ? { id: m.authorId } : {}) });
    const p =
      state.project(m.project) ??
      state.addProject({
        pathWithNamespace: m.project,
        ...(m.projectId && !state.project(m.projectId) ? { id: m.projectId } : {}),
      });
    if (state.accessLevel(p, state.mustUser(m.bot).id) === undefined) state.addMember(p.id, m.bot, ACCESS.developer);
    if (state.mergeRequest(p, m.iid)) state.push(p.id, m.iid, m.headSha, m.diffs);
    else
      state.addMergeRequest(p.id, {
        iid: m.iid,
        author: m.author,
        title: m.title,
        headSha: m.headSha,
        baseSha: m.baseSha,
        diffs: m.diffs,
      });
    return [201, { project: p.pathWithNamespace, id: p.id, iid: m.iid, headSha: m.headSha }];
  }
  if (method === 'GET' && what === 'notes')
    return [
      200,
      state.discussions.flatMap((d) =>
        d.notes.map((n) => ({ project: state.project(d.projectId)?.pathWithNamespace, mr: d.mrIid, ...n })),
      ),
    ];
  if (method === 'GET' && what === 'statuses') return [200, state.statuses];
  return [404, { error: `no sandbox route ${method} ${path}; known: POST merge_requests, GET notes, GET statuses` }];
}
