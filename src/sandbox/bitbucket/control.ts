// The Bitbucket sandbox's own surface under /_sandbox/ (never Bitbucket's API): what `aofctl dev` and
// `aofctl simulate --forge bitbucket` use to give it the pull request a simulated delivery is about, and to
// look at what the product wrote (comments, build statuses, Code Insights reports).
import type { BitbucketFileChange, BitbucketState } from './state.js';

export interface SimulatedPullRequest {
  /** `workspace/repo_slug`. */
  repo: string;
  id: number;
  /** The author's nickname, as the payload names it. */
  author: string;
  title?: string;
  /** The source commit's full hash (the payload's is abbreviated: Bitbucket resolves it by prefix). */
  sourceCommit: string;
  /** The bot's nickname: it may write to the repository. */
  bot: string;
  changes: BitbucketFileChange[];
}

/** Answers a /_sandbox/ request: [status, body]. */
export function control(state: BitbucketState, method: string, path: string, body: unknown): [number, unknown] {
  const what = path.slice('/_sandbox/'.length);
  if (method === 'POST' && what === 'pullrequests') {
    const p = body as SimulatedPullRequest;
    if (!/^[^/]+\/[^/]+$/.test(p?.repo ?? '') || !Number.isInteger(p.id) || !p.author || !p.bot)
      return [400, { error: 'repo (workspace/slug), id, author, sourceCommit and bot are required' }];
    if (!/^[0-9a-f]{40}$/.test(p.sourceCommit ?? '')) return [400, { error: 'sourceCommit: a full commit hash' }];
    if (![...state.users.values()].some((u) => u.nickname === p.author)) state.addUser({ nickname: p.author });
    const repo = state.repositories.get(p.repo) ?? state.addRepository(p.repo);
    for (const nick of [p.bot, p.author]) {
      const uuid = state.mustUser(nick).uuid;
      if (!repo.permissions.has(uuid)) repo.permissions.set(uuid, 'write');
    }
    if (state.pullRequest(p.repo, p.id)) state.push(p.repo, p.id, p.sourceCommit, p.changes ?? []);
    else
      state.addPullRequest(p.repo, {
        id: p.id,
        author: p.author,
        title: p.title,
        sourceCommit: p.sourceCommit,
        changes: p.changes ?? [],
      });
    return [201, { repo: p.repo, id: p.id, sourceCommit: p.sourceCommit }];
  }
  if (method === 'GET' && what === 'comments') return [200, state.comments];
  if (method === 'GET' && what === 'statuses') return [200, state.statuses];
  if (method === 'GET' && what === 'reports')
    return [200, state.reports.map((r) => ({ ...r, annotations: [...r.annotations.values()] }))];
  return [
    404,
    { error: `no sandbox route ${method} ${path}; known: POST pullrequests, GET comments, GET statuses, GET reports` },
  ];
}
