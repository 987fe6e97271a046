// A repository's open pull requests (GET /repos/{owner}/{repo}/pulls, state=open), most recently updated
// first, in pages of at most 100 (GitHub's per_page limit), up to the caller's limit. GitHub does not count
// them; when more are open than were listed, its Link header names the last page, and reading that one page
// tells how many there are.
import type { Octokit } from '@octokit/rest';
import { githubCall } from './failures.js';
import type { ForgeTarget, OpenChanges } from '../port.js';

/** GitHub's largest page. */
const PER_PAGE = 100;

/** The page number of a Link header's `rel="last"`, when it names one. */
export function lastPageOf(link: string | undefined): number | undefined {
  const m = /<([^>]+)>;\s*rel="last"/.exec(link ?? '');
  const page = m ? Number(new URL(m[1]!).searchParams.get('page')) : NaN;
  return Number.isInteger(page) && page > 0 ? page : undefined;
}

export async function openPulls(gh: Octokit, t: ForgeTarget, limit: number): Promise<OpenChanges> {
  const perPage = Math.max(1, Math.min(PER_PAGE, limit));
  const list = (page: number) =>
    githubCall(() =>
      gh.pulls.list({
        owner: t.owner,
        repo: t.repo,
        state: 'open',
        sort: 'updated',
        direction: 'desc',
        per_page: perPage,
        page,
      }),
    );
  const changes: OpenChanges['changes'] = [];
  let requests = 0;
  for (let page = 1; ; page++) {
    const { data, headers } = await list(page);
    requests++;
    for (const p of data) if (changes.length < limit) changes.push({ number: p.number, headSha: p.head.sha });
    const last = lastPageOf(headers.link);
    if (last === undefined || page >= last) {
      // This page was the last: every open one was seen.
      const seen = (page - 1) * perPage + data.length;
      return { changes, more: seen > changes.length, total: seen, requests };
    }
    if (changes.length >= limit) {
      const rest = await list(last);
      return { changes, more: true, total: (last - 1) * perPage + rest.data.length, requests: requests + 1 };
    }
  }
}
