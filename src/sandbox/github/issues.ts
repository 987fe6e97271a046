// Issues, as GitHub's REST reference groups them: issue comments and labels (an issue's or a pull
// request's alike). The body's schema and limits are the contract's (checked before any route runs).
import { existing, html, HttpError, route, type Route } from './http.js';
import { pageOf } from './page.js';
import type { SandboxComment } from './records.js';
import type { GitHubSandbox } from './server.js';

export function issueRoutes(s: GitHubSandbox): Route[] {
  const commentJson = (c: SandboxComment) => ({
    id: c.id,
    node_id: `IC_${c.id}`,
    body: c.body,
    user: { login: c.user, type: c.user.endsWith('[bot]') ? 'Bot' : 'User' },
    html_url: html(c.owner, c.repo, `issues/${c.issueNumber}#issuecomment-${c.id}`),
    created_at: c.created_at,
    updated_at: c.updated_at,
  });
  const labelKey = (owner: string, repo: string, n: string) => `${owner}/${repo}#${n}`;
  const labelsJson = (set: Set<string>) => [...set].map((name) => ({ name, color: 'ededed', default: false }));

  return [
    route(
      'POST',
      '/repos/{owner}/{repo}/issues/{issue_number}/comments',
      ({ params: [owner, repo, n], body, token }) => {
        existing(s, owner!, repo!, n!, 'issue');
        const now = new Date().toISOString();
        const c: SandboxComment = {
          id: s.id(),
          owner: owner!,
          repo: repo!,
          issueNumber: Number(n),
          body: body.body,
          user: token.login,
          created_at: now,
          updated_at: now,
        };
        s.comments.push(c);
        return { status: 201, body: commentJson(c) };
      },
    ),
    route('GET', '/repos/{owner}/{repo}/issues/{issue_number}/comments', ({ params: [owner, repo, n], query, url }) => {
      existing(s, owner!, repo!, n!, 'issue');
      return pageOf(s.commentsOn(owner!, repo!, Number(n)).map(commentJson), query, url);
    }),
    route('PATCH', '/repos/{owner}/{repo}/issues/comments/{comment_id}', ({ params: [owner, repo, id], body }) => {
      const c = s.comments.find((x) => x.id === Number(id) && x.owner === owner && x.repo === repo);
      if (!c) throw new HttpError(404, 'Not Found');
      c.body = body.body;
      c.updated_at = new Date().toISOString();
      return { body: commentJson(c) };
    }),

    route('POST', '/repos/{owner}/{repo}/issues/{issue_number}/labels', ({ params: [owner, repo, n], body }) => {
      existing(s, owner!, repo!, n!, 'issue');
      const labels = (body.labels as (string | { name: string })[]).map((l) => (typeof l === 'string' ? l : l.name));
      const key = labelKey(owner!, repo!, n!);
      const set = s.labels.get(key) ?? new Set<string>();
      labels.forEach((l) => set.add(l));
      s.labels.set(key, set);
      return { body: labelsJson(set) };
    }),
    route(
      'DELETE',
      '/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}',
      ({ params: [owner, repo, n, name] }) => {
        existing(s, owner!, repo!, n!, 'issue');
        const set = s.labels.get(labelKey(owner!, repo!, n!));
        if (!set?.delete(name!)) throw new HttpError(404, 'Label does not exist');
        return { body: labelsJson(set) };
      },
    ),
  ];
}
