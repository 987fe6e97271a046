// What the GitHub activities send (issue 23): only the parameters GitHub's API declares, in each write and
// in each retry's lookup; every text within GitHub's limits, cut visibly; and annotation batches that a
// retry does not apply twice. The activities run as Temporal would run them (attempt 1, then a retry with
// the same activity), against the sandbox.
import assert from 'node:assert/strict';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createGitHubActivities } from '../../activities/forge/index.js';
import { currentOperation, operationMarker } from '../../src/forges/operation.js';
import { createOctokit } from '../../src/forges/github/client.js';
import { GitHubSandbox } from '../../src/sandbox/github/server.js';

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const wellFormed = (s: string) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

describe('GitHub writes: parameters, limits and retries (issue 23)', () => {
  const sandbox = new GitHubSandbox();
  let activities: ReturnType<typeof createGitHubActivities>;
  before(async () => {
    await sandbox.start();
    const gh = createOctokit(sandbox.url, 'ghs_installation');
    activities = createGitHubActivities(() => gh);
  });
  after(() => sandbox.stop());
  beforeEach(() => {
    sandbox.reset();
    // GitHub answers 404 for comments, reviews and labels on issues that do not exist.
    sandbox.addIssue('o', 'r', 5);
  });

  /** Runs `fn` as attempt `attempt` of one activity (the same operation key on every attempt). */
  const attempt = <T>(n: number, fn: () => Promise<T>, activityId = 'act-1') =>
    new MockActivityEnvironment(
      { attempt: n, activityId, workflowExecution: { workflowId: 'wf', runId: 'run' } },
      { logger: quiet },
    ).run(fn) as Promise<T>;
  const marker = async (activityId = 'act-1') =>
    operationMarker(await attempt(1, async () => currentOperation().key, activityId));
  /** The requests to GitHub's API (not the sandbox's own endpoints): method, path, query and body. */
  const sent = () =>
    sandbox.requests.map(({ method, path, query, body }) => ({ method, path, query, ...(body ? { body } : {}) }));
  const target = { owner: 'o', repo: 'r', installationId: 4242 };
  const seedPull = () =>
    sandbox.addPull('o', 'r', { number: 7, head: { sha: 'abc' }, state: 'open' }, [{ filename: 'a.ts' }]);

  describe('only the parameters the API declares (item 1)', () => {
    /** Runs a write that GitHub applies and answers 500, then its retry: the same activity, attempt 2. */
    const writeThenRetry = async <T>(id: string, fn: () => Promise<T>) => {
      sandbox.failAfterCommit(1, 'status500', /^POST /);
      await assert.rejects(attempt(1, fn, id));
      return attempt(2, fn, id);
    };
    const scope = { ...target, number: 7, isPullRequest: true, headSha: 'abc', checkRunIds: [] };

    it("comments and reviews (activities and tools), and their retries' lookups: no input fields, no body in the URL", async () => {
      seedPull();
      const input = { ...target, issueNumber: 5, body: 'x'.repeat(10_000) };
      const posted = await writeThenRetry('c', () => activities.postComment(input));
      const review = await writeThenRetry('r', () =>
        activities.runTool({ tool: 'github_post_review', input: { body: 'Looks fine.', event: 'COMMENT' }, scope }),
      );
      const tool = await writeThenRetry('t', () =>
        activities.runTool({ tool: 'github_post_comment', input: { body: 'Noted.' }, scope }),
      );
      assert.deepEqual([review.ok, tool.ok], [true, true], `${review.content} / ${tool.content}`);
      assert.equal(posted.id, sandbox.comments[0]!.id, 'the retry found the comment GitHub had made');
      assert.deepEqual([sandbox.comments.length, sandbox.reviews.length], [2, 1], 'each write once');
      assert.deepEqual(sent(), [
        {
          method: 'POST',
          path: '/repos/o/r/issues/5/comments',
          query: '',
          body: { body: `${input.body}\n\n${await marker('c')}` },
        },
        { method: 'GET', path: '/repos/o/r/issues/5/comments', query: 'per_page=100' },
        {
          method: 'POST',
          path: '/repos/o/r/pulls/7/reviews',
          query: '',
          body: { body: `Looks fine.\n\n${await marker('r')}`, event: 'COMMENT' },
        },
        { method: 'GET', path: '/repos/o/r/pulls/7/reviews', query: 'per_page=100' },
        {
          method: 'POST',
          path: '/repos/o/r/issues/7/comments',
          query: '',
          body: { body: `Noted.\n\n${await marker('t')}` },
        },
        { method: 'GET', path: '/repos/o/r/issues/7/comments', query: 'per_page=100' },
      ]);
    });

    it("a commit comment and a protection rule's answer: each once, also when GitHub took it and answered 500", async () => {
      const sha = 'a'.repeat(40);
      const posted = await writeThenRetry('cc', () => activities.postCommitComment({ ...target, sha, body: 'Ask' }));
      assert.deepEqual(
        sandbox.commitComments.map((c) => [c.id, c.commitId, c.body]),
        [[posted.id, sha, `Ask\n\n${await marker('cc')}`]],
      );
      sandbox.addPendingRule('o', 'r', 9, 'production');
      const answer = { ...target, runId: 9, environment: 'production', state: 'approved' as const, comment: 'ok' };
      const taken = await writeThenRetry('pr', () => activities.answerProtectionRule(answer));
      assert.equal(taken.answered, true);
      assert.match(taken.note!, /taken by an earlier attempt/);
      assert.deepEqual(
        sandbox.ruleAnswers.map((x) => [x.runId, x.environment, x.state, x.comment]),
        [[9, 'production', 'approved', 'ok']],
      );
      // A first attempt that finds no rule waiting gave no answer, and says so.
      const none = await attempt(1, () => activities.answerProtectionRule({ ...answer, environment: 'staging' }), 'x');
      assert.equal(none.answered, false);
      assert.match(none.note!, /GitHub took no answer/);
      assert.equal(sandbox.ruleAnswers.length, 1);
    });

    it("check runs (the activity and a tool) and their retries' lookups, an update and a commit status: GitHub's fields only", async () => {
      seedPull();
      const input = {
        ...target,
        name: 'gate',
        headSha: 'abc',
        status: 'in_progress' as const,
        detailsUrl: 'https://ui.example/w',
        externalId: 'ext-1',
        orCommitStatus: true,
      };
      const run = await writeThenRetry('g', () => activities.createCheckRun(input));
      const tool = await writeThenRetry('w', () =>
        activities.runTool({
          tool: 'github_create_check_run',
          input: { name: 'writer', status: 'completed', conclusion: 'success', title: 't', summary: 's' },
          scope,
        }),
      );
      assert.equal(tool.ok, true, tool.content);
      assert.equal(run.id, sandbox.checkRuns[0]!.id);
      assert.equal(sandbox.checkRuns.length, 2, 'each check run once');
      await attempt(1, () =>
        activities.updateCheckRun({
          ...target,
          checkRunId: run.id,
          status: 'completed',
          conclusion: 'success',
          output: { title: 't', summary: 's' },
          headSha: 'abc',
          name: 'gate',
          detailsUrl: 'https://ui.example/w',
        }),
      );
      await attempt(1, () =>
        activities.updateCheckRun({ ...target, checkRunId: -1, conclusion: 'failure', headSha: 'abc', name: 'g' }),
      );
      const toolKey = (await marker('w')).replace(/^<!-- aof:op=(\w+) -->$/, '$1');
      assert.deepEqual(sent(), [
        {
          method: 'POST',
          path: '/repos/o/r/check-runs',
          query: '',
          body: {
            name: 'gate',
            head_sha: 'abc',
            status: 'in_progress',
            details_url: 'https://ui.example/w',
            external_id: 'ext-1',
          },
        },
        {
          method: 'GET',
          path: '/repos/o/r/commits/abc/check-runs',
          query: 'check_name=gate&filter=all&per_page=100',
        },
        {
          method: 'POST',
          path: '/repos/o/r/check-runs',
          query: '',
          body: {
            head_sha: 'abc',
            name: 'writer',
            status: 'completed',
            conclusion: 'success',
            output: { title: 't', summary: 's' },
            external_id: toolKey,
          },
        },
        {
          method: 'GET',
          path: '/repos/o/r/commits/abc/check-runs',
          query: 'check_name=writer&filter=all&per_page=100',
        },
        {
          method: 'PATCH',
          path: `/repos/o/r/check-runs/${run.id}`,
          query: '',
          body: { status: 'completed', conclusion: 'success', output: { title: 't', summary: 's' } },
        },
        { method: 'POST', path: '/repos/o/r/statuses/abc', query: '', body: { state: 'failure', context: 'g' } },
      ]);
    });
  });

  describe("every text within GitHub's limits, cut visibly (item 2)", () => {
    const NOTE = /…\(cut: longer than GitHub's limit of \d+ (characters|bytes)\)$/;

    it('a comment body just over 65,536 characters: cut with a note, the marker kept whole', async () => {
      const mark = await marker();
      const body = 'a'.repeat(65_536 - 2 - 1) + '😀' + 'tail';
      await attempt(1, () => activities.postComment({ ...target, issueNumber: 5, body }));
      const stored = sandbox.comments[0]!.body;
      assert.ok(stored.length <= 65_536, String(stored.length));
      assert.ok(stored.endsWith(`\n\n${mark}`), 'the marker is last and whole');
      assert.match(stored.slice(0, -`\n\n${mark}`.length).slice(-200), NOTE);
      assert.ok(wellFormed(stored), 'cut between code points');
    });

    it("an agent's answer that fills the tool's 65,536 characters: posted, and a review the same", async () => {
      seedPull();
      const scope = { ...target, number: 7, isPullRequest: true, headSha: 'abc', checkRunIds: [] };
      const body = 'b'.repeat(65_536);
      const comment = await attempt(1, () =>
        activities.runTool({ tool: 'github_post_comment', input: { body }, scope }),
      );
      const review = await attempt(1, () =>
        activities.runTool({ tool: 'github_post_review', input: { body, event: 'COMMENT' }, scope }),
      );
      assert.deepEqual([comment.ok, review.ok], [true, true], `${comment.content} / ${review.content}`);
      for (const stored of [sandbox.comments[0]!.body, sandbox.reviews[0]!.body]) {
        assert.ok(stored.length <= 65_536);
        assert.match(
          stored.slice(-200),
          /…\(cut: longer than GitHub's limit of 65536 characters\)\n\n<!-- aof:op=\w+ -->$/,
        );
      }
    });

    it("the gate's comment and an updated comment just over 65,536 characters", async () => {
      seedPull();
      const body = '<!-- gate -->\n' + 'c'.repeat(65_536);
      const first = await attempt(1, () =>
        activities.upsertMarkedComment({ ...target, issueNumber: 7, marker: '<!-- gate -->', body, known: null }),
      );
      await attempt(1, () => activities.updateComment({ ...target, commentId: first.id, body: body + 'd' }));
      const again = await attempt(2, () =>
        activities.upsertMarkedComment({ ...target, issueNumber: 7, marker: '<!-- gate -->', body }),
      );
      assert.equal(again.id, first.id, 'found again by its marker, at the top of the cut body');
      assert.equal(sandbox.comments.length, 1);
      assert.ok(sandbox.comments[0]!.body.length <= 65_536);
      assert.match(sandbox.comments[0]!.body.slice(-200), NOTE);
    });

    it("a check run's summary and text just over 65,535 bytes (non-ASCII: fewer characters than bytes)", async () => {
      const created = await attempt(1, () =>
        activities.createCheckRun({ ...target, name: 'g', headSha: 'abc', status: 'queued' }),
      );
      // 27,333 characters, 72,333 bytes: long non-ASCII file names, as in the issue.
      const summary = 'ファイル'.repeat(5_625) + 'x'.repeat(4_833);
      assert.deepEqual([summary.length, bytes(summary)], [27_333, 72_333]);
      const text = 'é'.repeat(32_768); // 65,536 bytes
      await attempt(1, () =>
        activities.updateCheckRun({
          ...target,
          checkRunId: created.id,
          status: 'completed',
          conclusion: 'success',
          output: { title: 'verdict', summary, text },
        }),
      );
      const out = sandbox.checkRuns[0]!.output;
      assert.equal(sandbox.checkRuns[0]!.conclusion, 'success');
      for (const t of [out.summary!, out.text!]) {
        assert.ok(bytes(t) <= 65_535, String(bytes(t)));
        assert.ok(bytes(t) > 65_400, 'cut no more than needed');
        assert.match(t.slice(-200), /…\(cut: longer than GitHub's limit of 65535 bytes\)$/);
        assert.ok(wellFormed(t));
      }
    });

    it("a tool's check run summary just over 65,535 bytes, created and updated", async () => {
      seedPull();
      const scope = { ...target, number: 7, isPullRequest: true, headSha: 'abc', checkRunIds: [] as number[] };
      const summary = 'ß'.repeat(32_768); // 32,768 characters (within the tool's schema), 65,536 bytes
      const created = await attempt(1, () =>
        activities.runTool({
          tool: 'github_create_check_run',
          input: { name: 'w', status: 'in_progress', title: 't', summary },
          scope,
        }),
      );
      assert.equal(created.ok, true, created.content);
      scope.checkRunIds.push((created as { checkRunId: number }).checkRunId);
      const updated = await attempt(1, () =>
        activities.runTool({
          tool: 'github_update_check_run',
          input: { check_run_id: scope.checkRunIds[0], title: 't', summary: summary + 'ß', conclusion: 'success' },
          scope,
        }),
      );
      assert.equal(updated.ok, true, updated.content);
      const bodies = sandbox.requests.filter((q) => q.path.includes('/check-runs') && q.method !== 'GET');
      assert.equal(bodies.length, 2);
      for (const q of bodies) assert.ok(bytes((q.body as any).output.summary) <= 65_535);
    });

    it('annotations: a title over 255 characters, a message and raw details over 64 KB', async () => {
      const created = await attempt(1, () =>
        activities.createCheckRun({ ...target, name: 'g', headSha: 'abc', status: 'queued' }),
      );
      const annotation = {
        path: 'a.ts',
        start_line: 1,
        end_line: 1,
        annotation_level: 'warning',
        title: 't'.repeat(255) + '😀',
        message: 'ü'.repeat(32_769),
        raw_details: 'r'.repeat(65_537),
      };
      await attempt(1, () =>
        activities.updateCheckRun({
          ...target,
          checkRunId: created.id,
          output: { title: 't', summary: 's', annotations: [annotation] },
        }),
      );
      const a = sandbox.checkRuns[0]!.output.annotations[0] as Record<string, string>;
      assert.ok(a.title!.length <= 255 && a.title!.endsWith('…'));
      assert.ok(bytes(a.message!) <= 65_536 && /cut/.test(a.message!));
      assert.ok(bytes(a.raw_details!) <= 65_536 && /cut/.test(a.raw_details!));
      assert.ok(wellFormed(a.title!) && wellFormed(a.message!));
    });

    it('a commit status description just over 140 characters is cut between code points', async () => {
      const description = 'd'.repeat(138) + '😀' + 'e'; // 141 UTF-16 units: the emoji straddles 139
      await attempt(1, () =>
        activities.updateCheckRun({
          ...target,
          checkRunId: -1,
          conclusion: 'failure',
          headSha: 'abc',
          name: 'g',
          output: { title: description, summary: 's' },
        }),
      );
      const stored = sandbox.statuses[0]!.description!;
      assert.ok(stored.length <= 140);
      assert.ok(stored.endsWith('…'));
      assert.ok(wellFormed(stored), JSON.stringify(stored.slice(-3)));
    });

    it("label names just over 50 characters (a flow's template) are cut, added and removed alike", async () => {
      seedPull();
      const scope = { ...target, number: 7, isPullRequest: true, checkRunIds: [] };
      const long = 'area/' + 'l'.repeat(46); // 51 characters
      const added = await attempt(1, () =>
        activities.runTool({ tool: 'github_add_labels', input: { labels: [long, 'short'] }, scope }),
      );
      assert.equal(added.ok, true, added.content);
      const labels = [...sandbox.labels.get('o/r#7')!];
      assert.deepEqual(labels, [long.slice(0, 49) + '…', 'short']);
      const removed = await attempt(1, () =>
        activities.runTool({ tool: 'github_remove_label', input: { label: long }, scope }),
      );
      assert.equal(removed.ok, true, removed.content);
      assert.deepEqual([...sandbox.labels.get('o/r#7')!], ['short']);
    });
  });

  describe('annotation batches are safe to retry (item 4)', () => {
    const batch = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        path: 'a.ts',
        start_line: from + i + 1,
        end_line: from + i + 1,
        annotation_level: 'notice',
        message: `finding ${from + i}`,
      }));

    it('GitHub applied a batch and answered 500: the retry does not annotate again; one it did not apply is sent', async () => {
      const created = await attempt(1, () =>
        activities.createCheckRun({ ...target, name: 'g', headSha: 'abc', status: 'in_progress' }),
      );
      const update = (before: number, n: number, extra = {}) => ({
        ...target,
        checkRunId: created.id,
        output: { title: 't', summary: 's', annotations: batch(before, n) },
        annotationsBefore: before,
        ...extra,
      });
      // The verdict with the first 50: applied, then a 500; the retry reads the run and skips it.
      sandbox.failAfterCommit(1, 'status500', /^PATCH .*\/check-runs\/\d+$/);
      const first = update(0, 50, { status: 'completed', conclusion: 'failure' });
      await assert.rejects(attempt(1, () => activities.updateCheckRun(first), 'b0'));
      await attempt(2, () => activities.updateCheckRun(first), 'b0');
      // The next 20: a 502 before GitHub applied them; the retry sends them.
      sandbox.failNext(1, 502, /^PATCH .*\/check-runs\/\d+$/);
      await assert.rejects(attempt(1, () => activities.updateCheckRun(update(50, 20)), 'b1'));
      await attempt(2, () => activities.updateCheckRun(update(50, 20)), 'b1');
      const run = sandbox.checkRuns[0]!;
      assert.equal(run.output.annotations.length, 70);
      assert.deepEqual(
        run.output.annotations.map((a) => a.message),
        batch(0, 70).map((a) => a.message),
      );
      assert.equal(run.conclusion, 'failure');
      assert.deepEqual(
        sandbox.requests
          .filter((q) => q.path.includes(`/check-runs/${created.id}`))
          .map((q) => `${q.method} ${q.status}`),
        ['PATCH 500', 'GET 200', 'PATCH 502', 'GET 200', 'PATCH 200'],
      );
    });
  });
});
