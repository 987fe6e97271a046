// Checks, as GitHub's REST reference groups them: check runs (an App's installation token only), created,
// updated, read, and listed for a commit.
import { html, HttpError, route, type Route } from './http.js';
import { pageOf } from './page.js';
import type { SandboxCheckRun } from './records.js';
import type { GitHubSandbox } from './server.js';

export function checkRoutes(s: GitHubSandbox): Route[] {
  // Enums, required fields and lengths are the contract's; what it cannot say is checked here.
  const validateCheck = (body: any) => {
    if (body.status === 'completed' && !body.conclusion)
      throw new HttpError(422, 'Invalid request.\n\nNo subschema in "anyOf" matched.\n"conclusion" wasn\'t supplied.');
  };
  const checkJson = (c: SandboxCheckRun) => ({
    id: c.id,
    name: c.name,
    head_sha: c.head_sha,
    status: c.status,
    conclusion: c.conclusion,
    details_url: c.details_url ?? null,
    external_id: c.external_id ?? null,
    html_url: html(c.owner, c.repo, `runs/${c.id}`),
    output: {
      title: c.output.title ?? null,
      summary: c.output.summary ?? null,
      text: c.output.text ?? null,
      annotations_count: c.output.annotations.length,
    },
  });
  const applyCheck = (c: SandboxCheckRun, body: any) => {
    if (body.status) c.status = body.status;
    if (body.conclusion) [c.status, c.conclusion] = ['completed', body.conclusion];
    if (body.details_url) c.details_url = body.details_url;
    if (body.output) {
      for (const k of ['title', 'summary', 'text'] as const)
        if (body.output[k] !== undefined) c.output[k] = body.output[k];
      // Annotations are appended by every update, as on GitHub.
      c.output.annotations.push(...(body.output.annotations ?? []));
    }
    c.history.push(c.conclusion ? `${c.status}:${c.conclusion}` : c.status);
  };

  return [
    route('POST', '/repos/{owner}/{repo}/check-runs', ({ params: [owner, repo], body, token }) => {
      if (token.kind !== 'installation') throw new HttpError(403, 'You must authenticate via a GitHub App.');
      validateCheck(body);
      const c: SandboxCheckRun = {
        id: s.id(),
        owner: owner!,
        repo: repo!,
        name: body.name,
        head_sha: body.head_sha,
        external_id: body.external_id,
        status: 'queued',
        conclusion: null,
        output: { annotations: [] },
        history: [],
      };
      applyCheck(c, body);
      s.checkRuns.push(c);
      return { status: 201, body: checkJson(c) };
    }),
    route('PATCH', '/repos/{owner}/{repo}/check-runs/{check_run_id}', ({ params: [owner, repo, id], body, token }) => {
      if (token.kind !== 'installation') throw new HttpError(403, 'You must authenticate via a GitHub App.');
      const c = s.checkRuns.find((x) => x.id === Number(id) && x.owner === owner && x.repo === repo);
      if (!c) throw new HttpError(404, 'Not Found');
      validateCheck(body);
      applyCheck(c, body);
      return { body: checkJson(c) };
    }),
    route('GET', '/repos/{owner}/{repo}/check-runs/{check_run_id}', ({ params: [owner, repo, id] }) => {
      const c = s.checkRuns.find((x) => x.id === Number(id) && x.owner === owner && x.repo === repo);
      if (!c) throw new HttpError(404, 'Not Found');
      return { body: checkJson(c) };
    }),
    route('GET', '/repos/{owner}/{repo}/commits/{ref}/check-runs', ({ params: [owner, repo, ref], query, url }) => {
      // As GitHub: newest first; `filter=latest` (the default) keeps the newest run of each name; pages
      // of per_page (at most 100) with a Link header, and total_count counts every page.
      const name = query.get('check_name');
      const status = query.get('status');
      const latest = query.get('filter') !== 'all';
      const seen = new Set<string>();
      const runs = s.checkRuns
        .filter((c) => c.owner === owner && c.repo === repo && c.head_sha === ref)
        .filter((c) => (!name || c.name === name) && (!status || c.status === status))
        .reverse()
        .filter((c) => !latest || (!seen.has(c.name) && seen.add(c.name)));
      const page = pageOf(runs.map(checkJson), query, url);
      return { body: { total_count: runs.length, check_runs: page.body }, headers: page.headers };
    }),
  ];
}
