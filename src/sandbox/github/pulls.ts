// Pull requests, as GitHub's REST reference groups them: a pull request (JSON, or its diff), its files
// and its reviews.
import { existing, html, HttpError, route, type Route } from './http.js';
import { pageOf } from './page.js';
import type { GitHubSandbox } from './server.js';

export function pullRoutes(s: GitHubSandbox): Route[] {
  const reviewJson = (r: GitHubSandbox['reviews'][number]) => ({
    id: r.id,
    body: r.body,
    state: r.event === 'APPROVE' ? 'APPROVED' : r.event === 'REQUEST_CHANGES' ? 'CHANGES_REQUESTED' : 'COMMENTED',
    user: { login: r.user },
    html_url: html(r.owner, r.repo, `pull/${r.pullNumber}#pullrequestreview-${r.id}`),
  });

  return [
    // A repository's pull requests: `state` open (GitHub's default), closed or all; sorted by `sort` (created,
    // the default, or updated; popularity and long-running as created here) in `direction` (desc by default).
    route('GET', '/repos/{owner}/{repo}/pulls', ({ params: [owner, repo], query, url }) => {
      const state = query.get('state') ?? 'open';
      const by = query.get('sort') === 'updated' ? 'updated_at' : 'created_at';
      const asc = query.get('direction') === 'asc';
      const pulls = [...s.pulls.entries()]
        .filter(([k]) => k.startsWith(`${owner}/${repo}#`))
        .map(([, p]) => p.pull)
        .filter((p) => state === 'all' || (p.state ?? 'open') === state)
        .sort((a, b) => {
          const order = String(a[by] ?? '').localeCompare(String(b[by] ?? '')) || Number(a.number) - Number(b.number);
          return asc ? order : -order;
        });
      return pageOf(pulls, query, url);
    }),
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
      const comments = (body.comments ?? []) as ReviewCommentInput[];
      // All or nothing, as on GitHub: one comment GitHub refuses refuses the whole review.
      const problems = comments.flatMap((c) => commentProblems(s.pulls.get(`${owner}/${repo}#${n}`)?.files ?? [], c));
      if (problems.length) throw new HttpError(422, 'Unprocessable Entity', [problems.join(', ')]);
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
      for (const c of comments)
        s.reviewThreads.push({
          id: Buffer.from(`PullRequestReviewThread:${s.id()}`).toString('base64'),
          owner: owner!,
          repo: repo!,
          pullNumber: Number(n),
          path: c.path,
          line: c.line!,
          ...(c.start_line !== undefined ? { start_line: c.start_line } : {}),
          resolved: false,
          resolvedBy: null,
          comments: [{ id: s.id(), body: c.body, user: token.login, reviewId: r.id }],
        });
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

interface ReviewCommentInput {
  path: string;
  body: string;
  line?: number;
  side?: string;
  start_line?: number;
  start_side?: string;
  position?: number;
}

/**
 * The lines of a file's patch a review comment may be on, on the diff's RIGHT side (added and context
 * lines), each with its hunk: GitHub takes a comment only on a line of the diff, and a range within one hunk.
 */
export function commentableLines(patch: string | undefined): Map<number, number> {
  const out = new Map<number, number>();
  let line = 0;
  let hunk = -1;
  for (const text of (patch ?? '').split('\n')) {
    const header = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
    if (header) {
      line = Number(header[1]);
      hunk++;
    } else if (hunk >= 0 && (text.startsWith('+') || text.startsWith(' '))) out.set(line++, hunk);
  }
  return out;
}

/** What GitHub says of a review comment it refuses (its 422's `errors`), or nothing. */
function commentProblems(files: Record<string, unknown>[], c: ReviewCommentInput): string[] {
  const file = files.find((f) => f.filename === c.path);
  if (!file) return ['Path could not be resolved'];
  // This sandbox serves the line form only (GitHub's `position` is closing down).
  if (c.line === undefined) return ['Pull request review thread line must be part of the diff'];
  const lines = commentableLines(file.patch as string | undefined);
  const out: string[] = [];
  if ((c.side ?? 'RIGHT') !== 'RIGHT' || !lines.has(c.line))
    out.push('Pull request review thread line must be part of the diff');
  if (c.start_line !== undefined) {
    if (c.start_line >= c.line) out.push('Pull request review thread start line must precede the end line.');
    else if (lines.get(c.start_line) === undefined || lines.get(c.start_line) !== lines.get(c.line))
      out.push('Pull request review thread start line must be part of the same hunk as the line.');
  }
  return out;
}
