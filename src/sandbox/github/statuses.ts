// Commit statuses: any token with access to the repository may set them, unlike check runs (a personal
// token's stand-in for them).
import { route, type Route } from './http.js';
import { pageOf } from './page.js';
import type { SandboxStatus } from './records.js';
import type { GitHubSandbox } from './server.js';

export function statusRoutes(s: GitHubSandbox): Route[] {
  return [
    route('POST', '/repos/{owner}/{repo}/statuses/{sha}', ({ params: [owner, repo, sha], body, token }) => {
      const st: SandboxStatus = {
        id: s.id(),
        owner: owner!,
        repo: repo!,
        sha: sha!,
        state: body.state,
        context: body.context ?? 'default',
        description: body.description,
        target_url: body.target_url,
        user: token.login,
        created_at: new Date().toISOString(),
      };
      s.statuses.push(st);
      return { status: 201, body: { ...st, creator: { login: st.user } } };
    }),
    route('GET', '/repos/{owner}/{repo}/commits/{ref}/statuses', ({ params: [owner, repo, ref], query, url }) =>
      pageOf(
        s.statuses
          .filter((x) => x.owner === owner && x.repo === repo && x.sha === ref)
          .reverse()
          .map((x) => ({ ...x, creator: { login: x.user } })),
        query,
        url,
      ),
    ),
  ];
}
