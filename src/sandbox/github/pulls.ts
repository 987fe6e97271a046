// Pull requests, as GitHub's REST reference groups them: a pull request (JSON, or its diff), its files
// and its reviews.
import { existing, HttpError, route, type Route } from './http.js';
import { pageOf } from './page.js';
import type { GitHubSandbox } from './server.js';

export function pullRoutes(s: GitHubSandbox): Route[] {
  const reviewJson = (r: GitHubSandbox['reviews'][number]) => ({
    id: r.id,
    body: r.body,
    state: r.event === 'APPROVE' ? 'APPROVED' : r.event === 'REQUEST_CHANGES' ? 'CHANGES_REQUESTED' : 'COMMENTED',
    user: { login: r.user },
  });

  return [
    route('GET', '/repos/{owner}/{repo}/pulls/{pull_number}', ({ params: [owner, repo, n], accept }) => {
      const p = s.pulls.get(`${owner}/${repo}#${n}`);
      if (!p) throw new HttpError(404, 'Not Found');
      if (accept.includes('diff')) return { body: p.diff, type: 'text/plain; charset=utf-8' };
      return { body: p.pull };
    }),
    route('GET', '/repos/{owner}/{repo}/pulls/{pull_number}/files', ({ params: [owner, repo, n], query, url }) => {
      const p = s.pulls.get(`${owner}/${repo}#${n}`);
      if (!p) throw new HttpError(404, 'Not Found');
      return pageOf(p.files, query, url);
    }),

    route('POST', '/repos/{owner}/{repo}/pulls/{pull_number}/reviews', ({ params: [owner, repo, n], body, token }) => {
      existing(s, owner!, repo!, n!, 'pull');
      if ((body.event === 'REQUEST_CHANGES' || body.event === 'COMMENT') && !body.body) {
        throw new HttpError(422, 'Unprocessable Entity: Review Comment is missing body.');
      }
      const r = {
        id: s.id(),
        owner: owner!,
        repo: repo!,
        pullNumber: Number(n),
        body: String(body.body ?? ''),
        event: body.event ?? 'PENDING',
        user: token.login,
      };
      s.reviews.push(r);
      return { body: reviewJson(r) };
    }),
    route('GET', '/repos/{owner}/{repo}/pulls/{pull_number}/reviews', ({ params: [owner, repo, n], query, url }) => {
      existing(s, owner!, repo!, n!, 'pull');
      const reviews = s.reviews.filter((r) => r.owner === owner && r.repo === repo && r.pullNumber === Number(n));
      // Oldest first, in pages of per_page (at most 100), as GitHub lists them.
      return pageOf(reviews.map(reviewJson), query, url);
    }),
  ];
}
