// The sandbox must behave like api.github.com where this project depends on it: its limits and errors.
import assert from 'node:assert/strict';
import { createOctokit } from '../../src/github/client.js';
import { GitHubSandbox } from '../../src/sandbox/github-sandbox.js';

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
});
