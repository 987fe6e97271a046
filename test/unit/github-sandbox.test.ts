// The sandbox must behave like api.github.com where this project depends on it: its limits and errors.
import assert from 'node:assert/strict';
import { createOctokit } from '../../src/forges/github/client.js';
import { GitHubSandbox } from '../../src/sandbox/github/server.js';
import { contract } from '../../src/sandbox/github/contract.js';

describe('GitHub sandbox', () => {
  const sandbox = new GitHubSandbox();
  let app: ReturnType<typeof createOctokit>;
  let pat: ReturnType<typeof createOctokit>;
  before(async () => {
    await sandbox.start();
    app = createOctokit(sandbox.url, 'ghs_installation');
    pat = createOctokit(sandbox.url, 'ghp_personal');
  });
  after(() => sandbox.stop());
  beforeEach(() => sandbox.reset());

  const status = (p: Promise<unknown>) =>
    p.then(
      () => 200,
      (e) => (e as { status: number }).status,
    );
  const check = { owner: 'o', repo: 'r', name: 'gate', head_sha: 'abc' };
  const annotations = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      path: 'a.ts',
      start_line: i + 1,
      end_line: i + 1,
      annotation_level: 'warning' as const,
      message: `m${i}`,
    }));

  it('refuses check runs for a personal token and accepts them for an app installation', async () => {
    assert.equal(await status(pat.checks.create(check)), 403);
    const { data } = await app.checks.create({ ...check, status: 'queued' });
    assert.equal(data.status, 'queued');
  });

  it('enforces 50 annotations a request, appending across updates', async () => {
    assert.equal(
      await status(app.checks.create({ ...check, output: { title: 't', summary: 's', annotations: annotations(51) } })),
      422,
    );
    const { data } = await app.checks.create({
      ...check,
      output: { title: 't', summary: 's', annotations: annotations(50) },
    });
    await app.checks.update({
      owner: 'o',
      repo: 'r',
      check_run_id: data.id,
      output: { title: 't', summary: 's', annotations: annotations(20) },
    });
    assert.equal(sandbox.checkRuns[0]!.output.annotations.length, 70);
  });

  it('enforces the 65535-character summary and valid enums', async () => {
    assert.equal(
      await status(app.checks.create({ ...check, output: { title: 't', summary: 'x'.repeat(65536) } })),
      422,
    );
    assert.equal(await status(app.checks.create({ ...check, status: 'done' as never })), 422);
    assert.equal(
      await status(app.checks.create({ ...check, status: 'completed' })),
      422,
      'completed needs a conclusion',
    );
    assert.equal(await status(app.checks.create({ ...check, conclusion: 'passed' as never })), 422);
    assert.equal(
      await status(app.pulls.createReview({ owner: 'o', repo: 'r', pull_number: 1, event: 'LGTM' as never })),
      422,
    );
  });

  it('tracks the check run state machine', async () => {
    const { data } = await app.checks.create({ ...check, status: 'queued' });
    await app.checks.update({ owner: 'o', repo: 'r', check_run_id: data.id, status: 'in_progress' });
    await app.checks.update({ owner: 'o', repo: 'r', check_run_id: data.id, conclusion: 'success' });
    assert.deepEqual(sandbox.checkRuns[0]!.history, ['queued', 'in_progress', 'completed:success']);
  });

  it('comments, labels, permissions and team membership', async () => {
    sandbox.addIssue('o', 'r', 5);
    const { data: c } = await app.issues.createComment({ owner: 'o', repo: 'r', issue_number: 5, body: 'hi' });
    await app.issues.updateComment({ owner: 'o', repo: 'r', comment_id: c.id, body: 'edited' });
    const { data: list } = await app.issues.listComments({ owner: 'o', repo: 'r', issue_number: 5 });
    assert.deepEqual(
      list.map((x) => x.body),
      ['edited'],
    );
    await app.issues.addLabels({ owner: 'o', repo: 'r', issue_number: 5, labels: ['bug'] });
    assert.equal(await status(app.issues.removeLabel({ owner: 'o', repo: 'r', issue_number: 5, name: 'nope' })), 404);
    sandbox.permissions.set('o/r:alice', 'write');
    const { data: perm } = await app.repos.getCollaboratorPermissionLevel({ owner: 'o', repo: 'r', username: 'alice' });
    assert.equal(perm.permission, 'write');
    sandbox.teams.set('o/sre', new Set(['bob']));
    assert.equal(
      await status(app.teams.getMembershipForUserInOrg({ org: 'o', team_slug: 'sre', username: 'bob' })),
      200,
    );
    assert.equal(
      await status(app.teams.getMembershipForUserInOrg({ org: 'o', team_slug: 'sre', username: 'eve' })),
      404,
    );
  });

  it('fails a fraction of matching writes after performing them, with a 500 or a reset connection', async () => {
    // Each write draws once (below 0.5: fail) and a failed one draws its mode (below 0.5: 500, else reset).
    const draws = [0.1, 0.2, 0.9, 0.3, 0.7, 0.6];
    for (const n of [1, 2, 3, 4]) sandbox.addIssue('o', 'r', n);
    sandbox.failAfterCommitRate(0.5, /^POST .*\/comments$/, () => draws.shift()!);
    const post = (n: number) =>
      fetch(`${sandbox.url}/repos/o/r/issues/${n}/comments`, {
        method: 'POST',
        headers: { authorization: 'token ghs_installation', 'content-type': 'application/json' },
        body: JSON.stringify({ body: `c${n}` }),
      }).then(
        (r) => r.status,
        () => 0,
      );
    assert.deepEqual([await post(1), await post(2), await post(3), await post(4)], [500, 201, 0, 201]);
    assert.deepEqual(
      sandbox.comments.map((c) => c.body),
      ['c1', 'c2', 'c3', 'c4'],
      'every write was performed',
    );
    assert.equal(sandbox.afterCommitFaults, 2);
    // Reads and other writes are untouched; rate 0 ends it.
    assert.equal(await status(app.issues.addLabels({ owner: 'o', repo: 'r', issue_number: 1, labels: ['x'] })), 200);
    sandbox.failAfterCommitRate(0);
    assert.equal(await post(5), 201);
  });

  it('answers 401 without a token', async () => {
    assert.equal(
      await status(
        createOctokit(sandbox.url, undefined).issues.createComment({
          owner: 'o',
          repo: 'r',
          issue_number: 1,
          body: 'x',
        }),
      ),
      401,
    );
  });

  it('lists hook deliveries newest first, in cursor pages, and a redelivery is a new entry with the same GUID', async () => {
    const hook = 'repos/o/r/hooks/7';
    for (let i = 0; i < 5; i++)
      sandbox.deliveries.add(hook, {
        event: 'push',
        status_code: i === 0 ? 502 : 200,
        delivered_at: new Date(Date.UTC(2026, 0, 1, i)).toISOString(),
      });
    const params = { owner: 'o', repo: 'r', hook_id: 7, per_page: 2 };
    const pages: number[] = [];
    const listed = [];
    for await (const page of app.paginate.iterator(app.repos.listWebhookDeliveries, params)) {
      pages.push(page.data.length);
      listed.push(...page.data);
    }
    assert.deepEqual(pages, [2, 2, 1], 'the Link header carries the cursor');
    const failed = listed[4]!;
    assert.equal(failed.status_code, 502);
    assert.equal(
      await status(app.repos.redeliverWebhookDelivery({ owner: 'o', repo: 'r', hook_id: 7, delivery_id: failed.id })),
      200, // Octokit resolves on 202 Accepted
    );
    await sandbox.deliveries.settled();
    const newest = (await app.repos.listWebhookDeliveries({ owner: 'o', repo: 'r', hook_id: 7, per_page: 1 })).data[0]!;
    assert.deepEqual([newest.guid, newest.redelivery, newest.status_code], [failed.guid, true, 200]);
    assert.notEqual(newest.id, failed.id);
    assert.equal(
      await status(app.repos.redeliverWebhookDelivery({ owner: 'o', repo: 'r', hook_id: 7, delivery_id: 1 })),
      404,
    );
  });

  it("the App hook's deliveries need the App's JWT, not a token", async () => {
    sandbox.deliveries.add('app', { event: 'push', status_code: 500 });
    assert.equal(await status(app.apps.listWebhookDeliveries()), 401);
  });

  // What GitHub refuses, the sandbox refuses (issue 23, item 7): from GitHub's published description
  // (src/sandbox/github/github-contract.json) and the overlay of limits it does not publish.
  describe("GitHub's contract", () => {
    const refusal = (p: Promise<unknown>) =>
      p.then(
        () => ({ status: 200, message: '' }),
        (e: { status: number; response?: { data?: { message?: string; errors?: { message: string }[] } } }) => ({
          status: e.status,
          message: [e.response?.data?.message, ...(e.response?.data?.errors ?? []).map((x) => x.message)].join(' '),
        }),
      );

    it('covers every REST operation the sandbox serves', () => {
      const ops = contract().operations;
      for (const key of GitHubSandbox.operations()) assert.ok(ops[key], `${key} is in github-contract.json`);
      assert.ok(ops['POST /repos/{owner}/{repo}/check-runs']!.body!.required!.includes('head_sha'));
    });

    it('comments, reviews and labels on an issue or pull request that does not exist are 404', async () => {
      const repo = { owner: 'o', repo: 'r' };
      assert.equal(await status(app.issues.createComment({ ...repo, issue_number: 404, body: 'hi' })), 404);
      assert.equal(await status(app.issues.listComments({ ...repo, issue_number: 404 })), 404);
      assert.equal(await status(app.issues.addLabels({ ...repo, issue_number: 404, labels: ['bug'] })), 404);
      assert.equal(await status(app.pulls.createReview({ ...repo, pull_number: 404, event: 'APPROVE' })), 404);
      assert.equal(await status(app.pulls.listReviews({ ...repo, pull_number: 404 })), 404);
      // An issue is not a pull request: no reviews on it.
      sandbox.addIssue('o', 'r', 7);
      assert.equal(await status(app.issues.createComment({ ...repo, issue_number: 7, body: 'hi' })), 200);
      assert.equal(await status(app.pulls.createReview({ ...repo, pull_number: 7, event: 'APPROVE' })), 404);
      // A delivered event's pull request exists (names are not case-sensitive).
      sandbox.addIssuesOf({ repository: { full_name: 'O/R' }, pull_request: { number: 8 } });
      assert.equal(await status(app.pulls.createReview({ ...repo, pull_number: 8, event: 'APPROVE' })), 200);
    });

    it('refuses check-run values only GitHub may set, an incomplete output, line 0 and long titles', async () => {
      for (const s of ['waiting', 'requested', 'pending'] as const) {
        const r = await refusal(app.checks.create({ ...check, status: s as never }));
        assert.equal(r.status, 422, s);
        assert.match(r.message, /Invalid request/);
      }
      assert.equal((await refusal(app.checks.create({ ...check, conclusion: 'stale' as never }))).status, 422);
      const noSummary = await refusal(app.checks.create({ ...check, output: { title: 't' } as never }));
      assert.deepEqual([noSummary.status, /"summary" wasn't supplied/.test(noSummary.message)], [422, true]);
      assert.equal((await refusal(app.checks.create({ ...check, output: { summary: 's' } as never }))).status, 422);
      const line0 = [{ path: 'a.ts', start_line: 0, end_line: 1, annotation_level: 'notice' as const, message: 'm' }];
      assert.equal(
        (await refusal(app.checks.create({ ...check, output: { title: 't', summary: 's', annotations: line0 } })))
          .status,
        422,
      );
      assert.equal(
        (await refusal(app.checks.create({ ...check, output: { title: 'x'.repeat(256), summary: 's' } }))).status,
        422,
      );
      // The summary's limit is in bytes: 40,000 two-byte characters are within 65,535 characters, not bytes.
      assert.equal(
        (await refusal(app.checks.create({ ...check, output: { title: 't', summary: 'é'.repeat(40_000) } }))).status,
        422,
      );
      const { data } = await app.checks.create({
        ...check,
        output: { title: 'x'.repeat(255), summary: 'é'.repeat(30_000) },
      });
      const update = (b: Record<string, unknown>) =>
        refusal(app.checks.update({ owner: 'o', repo: 'r', check_run_id: data.id, ...b }));
      assert.equal((await update({ status: 'waiting' })).status, 422);
      assert.equal((await update({ conclusion: 'stale' })).status, 422);
      assert.equal((await update({ output: { title: 'only a title' } })).status, 422, 'an update needs a summary');
      assert.equal((await update({ output: { summary: 'only a summary' } })).status, 200);
      assert.deepEqual(sandbox.checkRuns[0]!.history, ['queued', 'queued']);
    });

    it('refuses unknown body fields, long comments and long label names; records unknown query parameters', async () => {
      sandbox.addIssue('o', 'r', 5);
      const repo = { owner: 'o', repo: 'r', issue_number: 5 };
      const unknown = await refusal(app.issues.createComment({ ...repo, body: 'hi', colour: 'red' } as never));
      assert.deepEqual(
        [unknown.status, unknown.message],
        [422, 'Invalid request.\n\n"colour" is not a permitted key.'],
      );
      assert.equal((await refusal(app.issues.createComment({ ...repo, body: 'x'.repeat(65537) }))).status, 422);
      assert.equal((await refusal(app.issues.createComment({ ...repo, body: 'x'.repeat(65536) }))).status, 200);
      const label = await refusal(app.issues.addLabels({ ...repo, labels: ['x'.repeat(51)] }));
      assert.deepEqual(
        [label.status, label.message],
        [422, 'Validation Failed name is too long (maximum is 50 characters)'],
      );
      assert.equal((await refusal(app.issues.addLabels({ ...repo, labels: ['x'.repeat(50)] }))).status, 200);
      // GitHub ignores a query parameter it does not know: answered, and recorded for the tests.
      assert.equal(await status(app.request('GET /repos/o/r/issues/5/comments', { sort: 'newest' })), 200);
      assert.deepEqual(
        sandbox.violations.map((v) => v.problem).filter((p) => p.startsWith('unknown')),
        ['unknown query parameter "sort" (GitHub ignores it)'],
      );
    });

    it('lists check runs and reviews in pages of at most 100, the newest run of each name by default', async () => {
      for (let i = 0; i < 130; i++) await app.checks.create({ ...check, name: `c${i}`, status: 'queued' });
      await app.checks.create({ ...check, name: 'c0', status: 'in_progress' });
      const first = await app.checks.listForRef({ owner: 'o', repo: 'r', ref: 'abc', per_page: 500 });
      assert.equal(first.data.total_count, 130, 'filter=latest: one run per name');
      assert.equal(first.data.check_runs.length, 100, 'per_page is at most 100');
      assert.match(String(first.headers.link), /rel="next"/);
      const all = await app.paginate(app.checks.listForRef, { owner: 'o', repo: 'r', ref: 'abc', filter: 'all' });
      assert.equal(all.length, 131);
      const c0 = await app.checks.listForRef({ owner: 'o', repo: 'r', ref: 'abc', check_name: 'c0' });
      assert.deepEqual(
        c0.data.check_runs.map((c) => c.status),
        ['in_progress'],
      );

      sandbox.addIssuesOf({ repository: { full_name: 'o/r' }, pull_request: { number: 9 } });
      for (let i = 0; i < 101; i++)
        await app.pulls.createReview({ owner: 'o', repo: 'r', pull_number: 9, event: 'COMMENT', body: `r${i}` });
      const page = await app.pulls.listReviews({ owner: 'o', repo: 'r', pull_number: 9, per_page: 100 });
      assert.equal(page.data.length, 100);
      assert.match(String(page.headers.link), /rel="next"/);
      const reviews = await app.paginate(app.pulls.listReviews, {
        owner: 'o',
        repo: 'r',
        pull_number: 9,
        per_page: 100,
      });
      assert.equal(reviews.at(-1)!.body, 'r100');
    });
  });
});
