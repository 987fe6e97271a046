// Commits, as GitHub's REST reference groups them: a commit's comments (`/repos/{owner}/{repo}/commits/
// {commit_sha}/comments`: where a deployment without a pull request asks for approval), and the
// comparison of two commits (`GET /repos/{owner}/{repo}/compare/{basehead}`), with GitHub's documented limits. Without `per_page`
// or `page` the list holds at most 250 commits (the most recent last); with either, the commits come in
// pages (Link header) and the changed files only on the first page, at most 300 for the whole
// comparison, with nothing saying the list was cut.
import { html, HttpError, route, type Route } from './http.js';
import type { SandboxCommitComment } from './records.js';
import { pageOf } from './page.js';
import type { GitHubSandbox } from './server.js';

/** What GitHub lists of a comparison at most: commits without paging, changed files in all. */
export const COMPARE_LIMITS = { commits: 250, files: 300 };

const SHA = /^[0-9a-f]{40}$/;

export function commitRoutes(s: GitHubSandbox): Route[] {
  const commentJson = (c: SandboxCommitComment) => ({
    id: c.id,
    node_id: `CC_${c.id}`,
    body: c.body,
    commit_id: c.commitId,
    user: { login: c.user, type: c.user.endsWith('[bot]') ? 'Bot' : 'User' },
    html_url: html(c.owner, c.repo, `commit/${c.commitId}#commitcomment-${c.id}`),
    created_at: c.created_at,
    updated_at: c.created_at,
  });
  return [
    route(
      'POST',
      '/repos/{owner}/{repo}/commits/{commit_sha}/comments',
      ({ params: [owner, repo, sha], body, token }) => {
        // GitHub answers 422 for a commit it does not have; the sandbox knows commits by their form only.
        if (!SHA.test(sha!)) throw new HttpError(422, 'No commit found for SHA: ' + sha);
        const c: SandboxCommitComment = {
          id: s.id(),
          owner: owner!,
          repo: repo!,
          commitId: sha!,
          body: body.body,
          user: token.login,
          created_at: new Date().toISOString(),
        };
        s.commitComments.push(c);
        return { status: 201, body: commentJson(c) };
      },
    ),
    route('GET', '/repos/{owner}/{repo}/commits/{commit_sha}/comments', ({ params: [owner, repo, sha], query, url }) =>
      pageOf(
        s.commitComments.filter((c) => c.owner === owner && c.repo === repo && c.commitId === sha).map(commentJson),
        query,
        url,
      ),
    ),
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
