// Commits, as GitHub's REST reference groups them: the comparison of two commits
// (`GET /repos/{owner}/{repo}/compare/{basehead}`), with GitHub's documented limits. Without `per_page`
// or `page` the list holds at most 250 commits (the most recent last); with either, the commits come in
// pages (Link header) and the changed files only on the first page, at most 300 for the whole
// comparison, with nothing saying the list was cut.
import { HttpError, route, type Route } from './http.js';
import { pageOf } from './page.js';
import type { GitHubSandbox } from './server.js';

/** What GitHub lists of a comparison at most: commits without paging, changed files in all. */
export const COMPARE_LIMITS = { commits: 250, files: 300 };

export function commitRoutes(s: GitHubSandbox): Route[] {
  return [
    route('GET', '/repos/{owner}/{repo}/compare/{basehead}', ({ params: [owner, repo, basehead], query, url }) => {
      const [base, head] = decodeURIComponent(basehead!).split('...');
      if (!base || !head) throw new HttpError(404, 'Not Found');
      const c = s.comparisons.get(`${owner}/${repo}@${base}...${head}`);
      if (!c) throw new HttpError(404, 'Not Found');
      const paged = query.has('per_page') || query.has('page');
      const commits = c.commits.map((m, i) => ({
        sha: m.sha,
        commit: { message: m.message },
        parents: i ? [{ sha: c.commits[i - 1]!.sha }] : [{ sha: base }],
      }));
      const page = paged ? pageOf(commits, query, url) : { body: commits.slice(-COMPARE_LIMITS.commits), headers: {} };
      const first = !paged || Number(query.get('page') ?? 1) <= 1;
      return {
        headers: page.headers,
        body: {
          url: `https://api.github.com/repos/${owner}/${repo}/compare/${base}...${head}`,
          html_url: `https://github.com/${owner}/${repo}/compare/${base}...${head}`,
          base_commit: { sha: base },
          merge_base_commit: { sha: base },
          status: 'ahead',
          ahead_by: commits.length,
          behind_by: 0,
          total_commits: commits.length,
          commits: page.body,
          files: first ? c.files.slice(0, COMPARE_LIMITS.files) : [],
        },
      };
    }),
  ];
}
