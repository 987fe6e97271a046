// GitLab's forge verbs (issue 26) against the GitLab sandbox over real HTTP: what each verb sends and reads,
// that only documented parameters go out (the sandbox records any other as a violation), how failures are
// typed for Temporal, and that writes GitLab stored before failing exist once after the activity's retry
// (attempt 2 of the same activity, run as Temporal runs it).
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { currentOperation, operationMarker } from '../../src/forges/operation.js';
import { GitLabApi, gitLabRateLimitWaitMs } from '../../src/forges/gitlab/api.js';
import { countDiffLines, createGitLabVerbs, FINDINGS_IN_FLIGHT } from '../../src/forges/gitlab/verbs.js';
import { findingMarker } from '../../src/forges/findings.js';
import type { ChangeTarget, ForgeTarget } from '../../src/forges/port.js';
import { ACCESS, GitLabSandbox } from '../../src/sandbox/gitlab/index.js';

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const HEAD = 'a'.repeat(40);
const BASE = 'b'.repeat(40);
const DIFF = '@@ -1,3 +1,4 @@\n line one\n-line two\n+line 2\n+line 2b\n line three\n';
const NEW_DIFF = '@@ -0,0 +1,3 @@\n+# New\n+++ not a header\n+text\n';
const GATE = 'AFA Gate Check';

describe('GitLab forge verbs (issue 26)', () => {
  const gitlab = new GitLabSandbox();
  const s = gitlab.state;
  let api: GitLabApi;
  let verbs: ReturnType<typeof createGitLabVerbs>;
  const project: ForgeTarget = { forge: 'gitlab', owner: 'acme/platform', repo: 'app' };
  const mr: ChangeTarget = { ...project, number: 7 };
  const P = '/api/v4/projects/acme%2Fplatform%2Fapp';

  before(async () => {
    await gitlab.start();
    s.addUser({ username: 'aofbot', token: 'glpat-bot', bot: true });
    s.addUser({ username: 'alice', token: 'glpat-alice' });
    s.addUser({ username: 'mallory', token: 'glpat-mallory' });
    s.addUser({ username: 'dev', token: 'glpat-dev' });
    s.addUser({ username: 'rita' });
    s.addUser({ username: 'gus' });
    s.addUser({ username: 'rev' });
    s.addProject({ pathWithNamespace: 'acme/platform/app', id: 42 });
    s.addMember(42, 'aofbot', ACCESS.developer);
    s.addMember(42, 'mallory', ACCESS.reporter);
    s.addMember(42, 'dev', ACCESS.developer);
    s.addMember(42, 'rita', ACCESS.reporter);
    s.addMember(42, 'gus', ACCESS.guest);
    s.addGroupMember('acme', 'alice', ACCESS.maintainer);
    s.addGroupMember('acme/reviewers', 'rev', ACCESS.guest);
    s.addMergeRequest(42, {
      iid: 7,
      author: 'alice',
      headSha: HEAD,
      baseSha: BASE,
      labels: ['backend'],
      diffs: [
        { new_path: 'src/a.ts', diff: DIFF, content: 'line one\nline 2\nline 2b\nline three\n' },
        { new_path: 'docs/new.md', new_file: true, diff: NEW_DIFF },
        { new_path: 'old.txt', deleted_file: true, diff: '@@ -1 +0,0 @@\n-gone\n' },
        { old_path: 'lib/old.ts', new_path: 'lib/moved.ts', renamed_file: true, diff: '' },
      ],
    });
    s.addMergeRequest(42, {
      iid: 8,
      author: 'alice',
      headSha: 'c'.repeat(40),
      baseSha: BASE,
      state: 'merged',
      diffs: Array.from({ length: 250 }, (_, i) => ({ new_path: `f/${i}.ts`, diff: '@@ -0,0 +1 @@\n+x\n' })),
    });
    s.addMergeRequest(42, { iid: 9, author: 'alice', headSha: 'd'.repeat(40), baseSha: BASE, state: 'closed' });
    s.addFile(42, HEAD, 'bin/blob.bin', 'GIF89a\0\0\x01');
    s.addFile(42, HEAD, 'big.txt', 'x'.repeat(5000));
    s.addFile(42, HEAD, 'dir/sub/ü file.txt', 'unicode path\n');
  });
  after(() => gitlab.stop());
  beforeEach(() => {
    gitlab.reset();
    // A fresh client each test: its bot identity is cached per client.
    api = new GitLabApi({ apiUrl: gitlab.apiUrl, token: 'glpat-bot' });
    verbs = createGitLabVerbs(() => api);
  });
  afterEach(function () {
    if (this.currentTest?.state === 'passed')
      assert.deepEqual(s.violations, [], 'only parameters GitLab documents were sent');
  });

  /** Runs `fn` as attempt `n` of one activity (the same operation key on every attempt). */
  const attempt = <T>(n: number, fn: () => Promise<T>, activityId = 'act-1') =>
    new MockActivityEnvironment(
      { attempt: n, activityId, workflowExecution: { workflowId: 'wf', runId: 'run' } },
      { logger: quiet },
    ).run(fn) as Promise<T>;
  const opMarker = async (activityId = 'act-1') =>
    operationMarker(await attempt(1, async () => currentOperation().key, activityId));
  const sent = () => gitlab.requests.map((r) => `${r.method} ${r.path}${r.query ? `?${r.query}` : ''}`);
  const mr7 = () => s.mergeRequest(s.mustProject(42), 7)!;
  const bot = () => s.mustUser('aofbot');
  /** A warning at `line` of src/a.ts, as the gate reports one. */
  const finding = (line: number, title: string) => ({
    path: 'src/a.ts',
    start_line: line,
    end_line: line,
    annotation_level: 'warning' as const,
    title,
    message: `about line ${line}`,
  });
  /** Merge request 7 holds exactly the notes of `findings`, each once (found by its marker). */
  const eachFindingOnce = (findings: { path: string; start_line: number; title?: string }[]) => {
    const bodies = s.notesOf(mr7()).map((n) => n.body);
    for (const f of findings)
      assert.equal(bodies.filter((b) => b.includes(findingMarker(HEAD, f))).length, 1, `${f.title} once`);
    assert.equal(bodies.length, findings.length);
  };
  /** A write GitLab stores and then answers 500, then the activity's retry (attempt 2). */
  const storedThenRetried = async <T>(fn: () => Promise<T>, match: RegExp, id = 'act-1') => {
    gitlab.failAfterWrite(1, 'status500', match);
    await assert.rejects(attempt(1, fn, id), (e: ApplicationFailure) => e.type === 'GitLabUnavailable');
    assert.equal(gitlab.afterWriteFaults, 1, 'GitLab stored the write and answered 500');
    return attempt(2, fn, id);
  };

  describe('reading a merge request', () => {
    it('changedFiles maps statuses, patches and line counts from one page of diffs', async () => {
      const { files, truncated, requests } = await verbs.changedFiles(mr, 5);
      assert.deepEqual(files, [
        { filename: 'src/a.ts', status: 'modified', additions: 2, deletions: 1, patch: DIFF },
        { filename: 'docs/new.md', status: 'added', additions: 3, deletions: 0, patch: NEW_DIFF },
        { filename: 'old.txt', status: 'removed', additions: 0, deletions: 1, patch: '@@ -1 +0,0 @@\n-gone\n' },
        { filename: 'lib/moved.ts', status: 'renamed', additions: 0, deletions: 0, previous_filename: 'lib/old.ts' },
      ]);
      assert.equal(truncated, false);
      assert.equal(requests, 1);
      assert.deepEqual(sent(), [`GET ${P}/merge_requests/7/diffs?per_page=100&page=1`]);
      assert.equal(gitlab.requests[0]!.username, 'aofbot');
    });

    it('changedFiles follows X-Next-Page over more than 100 diffs, and stops at maxPages', async () => {
      const all = await verbs.changedFiles({ ...mr, number: 8 }, 10);
      assert.equal(all.files.length, 250);
      assert.deepEqual(
        all.files.map((f) => f.filename),
        Array.from({ length: 250 }, (_, i) => `f/${i}.ts`),
      );
      assert.deepEqual([all.truncated, all.requests], [false, 3]);
      assert.deepEqual(
        sent().map((r) => r.replace(/.*\?/, '')),
        ['per_page=100&page=1', 'per_page=100&page=2', 'per_page=100&page=3'],
      );
      const cut = await verbs.changedFiles({ ...mr, number: 8 }, 2);
      assert.deepEqual([cut.files.length, cut.truncated, cut.requests], [200, true, 2]);
    });

    it('counts diff lines only inside hunks', () => {
      assert.deepEqual(countDiffLines('--- a\n+++ b\n@@ -1 +1 @@\n-a\n+b\n\\ No newline at end of file\n'), {
        additions: 1,
        deletions: 1,
      });
    });

    const wanted = ['src/a.ts', 'nope.ts', 'bin/blob.bin', 'big.txt', 'dir/sub/ü file.txt'];
    const expected = {
      'src/a.ts': 'line one\nline 2\nline 2b\nline three\n',
      'nope.ts': null,
      'bin/blob.bin': null,
      'big.txt': null,
      'dir/sub/ü file.txt': 'unicode path\n',
    };

    it('filesAt reads every file in one GraphQL request (Repository.blobs at the commit); missing, binary or too large is null', async () => {
      const { contents, requests } = await verbs.filesAt(project, HEAD, wanted, 1000);
      assert.deepEqual(Object.fromEntries(contents), expected);
      assert.equal(requests, 1);
      assert.deepEqual(sent(), ['POST /api/graphql']);
      const q = gitlab.requests[0]!.body as { variables: { fullPath: string; ref: string; paths: string[] } };
      assert.deepEqual(q.variables, { fullPath: 'acme/platform/app', ref: HEAD, paths: wanted });
      const bigger = await verbs.filesAt(project, HEAD, ['big.txt'], 5000);
      assert.equal(bigger.contents.get('big.txt'), 'x'.repeat(5000));
      // 250 files: three requests (100 paths each), not 250.
      const many = Array.from({ length: 250 }, (_, i) => `gen/f${i}.ts`);
      gitlab.reset();
      const paged = await verbs.filesAt(project, HEAD, many, 1000);
      assert.equal(paged.requests, 3);
      assert.ok([...paged.contents.values()].every((v) => v === null));
    });

    it('filesAt reads raw files over REST when GraphQL refuses, URL-encoding the path', async () => {
      gitlab.failNext(1, 400, /^POST \/api\/graphql$/);
      const { contents, requests } = await verbs.filesAt(project, HEAD, wanted, 1000);
      assert.deepEqual(Object.fromEntries(contents), expected);
      assert.equal(requests, 6);
      assert.equal(sent()[1], `GET ${P}/repository/files/src%2Fa.ts/raw?ref=${HEAD}`);
      assert.equal(sent()[5], `GET ${P}/repository/files/dir%2Fsub%2F%C3%BC%20file.txt/raw?ref=${HEAD}`);
    });

    it('head gives the head sha and the state as the port names it', async () => {
      assert.deepEqual(await verbs.head(mr), { sha: HEAD, state: 'open' });
      assert.deepEqual(await verbs.head({ ...mr, number: 8 }), { sha: 'c'.repeat(40), state: 'merged' });
      assert.deepEqual(await verbs.head({ ...mr, number: 9 }), { sha: 'd'.repeat(40), state: 'closed' });
    });

    it('botIdentity is GET /user, asked once per client', async () => {
      assert.deepEqual(await verbs.botIdentity(project), { login: 'aofbot', id: bot().id });
      assert.deepEqual(await verbs.botIdentity(project), { login: 'aofbot', id: bot().id });
      assert.deepEqual(sent(), ['GET /api/v4/user']);
    });
  });

  describe('failures are typed for Temporal', () => {
    it('a 429 with Retry-After is retryable and says how long to wait', async () => {
      gitlab.rateLimit(1, 7);
      const err = await verbs.head(mr).then(
        () => assert.fail('expected a failure'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.type, 'GitLabRateLimited');
      assert.equal(err.nonRetryable, false);
      assert.equal(err.nextRetryDelay, 7000);
      assert.match(
        err.message,
        /GitLab GET \/projects\/acme%2Fplatform%2Fapp\/merge_requests\/7 answered 429.*retrying in 7s/,
      );
      assert.deepEqual(await verbs.head(mr), { sha: HEAD, state: 'open' }, 'the next call goes through');
    });

    it('without Retry-After the wait comes from RateLimit-Reset (a Unix time), else a minute', () => {
      const now = 1_700_000_000_000;
      assert.equal(gitLabRateLimitWaitMs(new Headers({ 'ratelimit-reset': String(now / 1000 + 30) }), now), 31_000);
      assert.equal(gitLabRateLimitWaitMs(new Headers({ 'retry-after': '3', 'ratelimit-reset': '1' }), now), 3000);
      assert.equal(gitLabRateLimitWaitMs(new Headers(), now), 60_000);
    });

    it('404, 403, 401 and 400 are final refusals with their status in the type; 5xx is retryable', async () => {
      const refusal = async (p: Promise<unknown>, type: string, status: number) => {
        const err = await p.then(
          () => assert.fail('expected a failure'),
          (e: unknown) => e as ApplicationFailure,
        );
        assert.equal(err.type, type);
        assert.equal(err.nonRetryable, type !== 'GitLabUnavailable');
        assert.deepEqual((err.details?.[0] as { status: number }).status, status);
        assert.doesNotMatch(err.message, /glpat-/, 'no token in the message');
        return err;
      };
      const missing = await refusal(verbs.head({ ...mr, repo: 'nope' }), 'GitLab404', 404);
      assert.match(missing.message, /404 Project Not Found/);
      await refusal(verbs.head({ ...mr, number: 99 }), 'GitLab404', 404);
      // Mallory (a reporter) may not set commit statuses.
      const mallory = createGitLabVerbs(() => new GitLabApi({ apiUrl: gitlab.apiUrl, token: 'glpat-mallory' }));
      await refusal(mallory.createCheck(project, { name: GATE, headSha: HEAD, status: 'queued' }), 'GitLab403', 403);
      const stranger = createGitLabVerbs(() => new GitLabApi({ apiUrl: gitlab.apiUrl, token: 'glpat-wrong' }));
      await refusal(stranger.botIdentity(project), 'GitLab401', 401);
      await refusal(
        verbs.createCheck(project, { name: GATE, headSha: 'e'.repeat(40), status: 'queued' }),
        'GitLab404',
        404,
      );
      const blank = await refusal(verbs.updateComment(mr, 1, ''), 'GitLab400', 400);
      assert.match(blank.message, /body is empty/);
      gitlab.failNext(1, 503);
      await refusal(verbs.head(mr), 'GitLabUnavailable', 503);
    });
  });

  describe('no answer at all', () => {
    it('an unreachable GitLab is retryable (GitLabUnavailable), named by method and path only', async () => {
      const closed = new GitLabSandbox();
      await closed.start();
      const apiUrl = closed.apiUrl;
      await closed.stop();
      const gone = createGitLabVerbs(() => new GitLabApi({ apiUrl, token: 'glpat-bot' }));
      const err = await gone.head(mr).then(
        () => assert.fail('expected a failure'),
        (e: unknown) => e as ApplicationFailure,
      );
      assert.equal(err.type, 'GitLabUnavailable');
      assert.equal(err.nonRetryable, false);
      assert.match(err.message, /^GitLab GET \/projects\/acme%2Fplatform%2Fapp\/merge_requests\/7 got no answer/);
      assert.doesNotMatch(err.message, /glpat-|127\.0\.0\.1/);
    });
  });

  describe('notes', () => {
    it('postComment writes a note with its operation marker and links it by the MR web_url', async () => {
      const c = await attempt(1, () => verbs.postComment(mr, 'Hello'));
      const notes = s.notesOf(mr7());
      assert.equal(notes.length, 1);
      assert.equal(notes[0]!.body, `Hello\n\n${await opMarker()}`);
      assert.deepEqual(c, { id: notes[0]!.id, url: `${gitlab.url}/acme/platform/app/-/merge_requests/7#note_${c.id}` });
      assert.deepEqual(sent(), [`POST ${P}/merge_requests/7/notes`], 'one request on a first attempt');
    });

    it('a note GitLab stored before a 500 exists exactly once after the retry', async () => {
      const first = await storedThenRetried(() => verbs.postComment(mr, 'Once'), /POST .*\/notes$/);
      const notes = s.notesOf(mr7());
      assert.equal(notes.length, 1, 'no duplicate');
      assert.equal(first.id, notes[0]!.id, 'the retry found the stored note');
      assert.deepEqual(sent(), [
        `POST ${P}/merge_requests/7/notes`,
        'GET /api/v4/user',
        `GET ${P}/merge_requests/7/notes?sort=asc&per_page=100&page=1`,
      ]);
    });

    it('a retry whose first attempt wrote nothing writes the note', async () => {
      gitlab.failNext(1, 500, /POST .*\/notes$/);
      await assert.rejects(attempt(1, () => verbs.postComment(mr, 'Later')));
      await attempt(2, () => verbs.postComment(mr, 'Later'));
      assert.equal(s.notesOf(mr7()).length, 1);
    });

    it('updateComment edits the note through its merge request', async () => {
      const c = await verbs.postComment(mr, 'v1');
      const u = await verbs.updateComment(mr, c.id, 'v2');
      assert.deepEqual(u, c);
      assert.equal(s.notesOf(mr7())[0]!.body, 'v2');
      assert.equal(sent()[1], `PUT ${P}/merge_requests/7/notes/${c.id}`);
      await assert.rejects(verbs.updateComment(project, c.id, 'v3'), (e: ApplicationFailure) => {
        return e.type === 'GitLabNeedsMergeRequest' && e.nonRetryable;
      });
    });
  });

  describe('upsertMarkedComment', () => {
    const MARK = '<!-- aof:gate -->';

    it("creates the bot's note, then edits it in place; someone else's note with the marker is not the bot's", async () => {
      const mallory = new GitLabApi({ apiUrl: gitlab.apiUrl, token: 'glpat-mallory' });
      await mallory.json('POST', '/projects/42/merge_requests/7/notes', { body: { body: `fake ${MARK}` } });
      const made = await verbs.upsertMarkedComment(mr, MARK, `one ${MARK}`);
      const again = await verbs.upsertMarkedComment(mr, MARK, `two ${MARK}`);
      assert.equal(made.created, true);
      assert.deepEqual(again, { ...made, created: false });
      const notes = s.notesOf(mr7());
      assert.deepEqual(
        notes.map((n) => [s.users.get(n.authorId)!.username, n.body]),
        [
          ['mallory', `fake ${MARK}`],
          ['aofbot', `two ${MARK}`],
        ],
      );
    });

    it('trusts `known` on a first attempt (one request), never on a retry', async () => {
      const made = await verbs.upsertMarkedComment(mr, MARK, `one ${MARK}`, null);
      assert.deepEqual(sent(), [`POST ${P}/merge_requests/7/notes`]);
      gitlab.requests.length = 0;
      const edited = await attempt(1, () => verbs.upsertMarkedComment(mr, MARK, `two ${MARK}`, made.id));
      assert.deepEqual(sent(), [`PUT ${P}/merge_requests/7/notes/${made.id}`]);
      assert.equal(edited.created, false);
      // A retry told "none yet" looks, and finds the note an earlier attempt wrote.
      const retried = await attempt(2, () => verbs.upsertMarkedComment(mr, MARK, `three ${MARK}`, null));
      assert.deepEqual([retried.id, retried.created], [made.id, false]);
      assert.equal(s.notesOf(mr7()).length, 1);
      assert.equal(s.notesOf(mr7())[0]!.body, `three ${MARK}`);
    });

    it('a known note deleted since is looked up, then created', async () => {
      const made = await verbs.upsertMarkedComment(mr, MARK, `one ${MARK}`, 999_999);
      assert.equal(made.created, true);
      assert.equal(s.notesOf(mr7()).length, 1);
    });
  });

  describe('checks: commit statuses and findings as discussions', () => {
    const statuses = () => s.statuses.filter((x) => x.name === GATE).map((x) => x.history.join('>'));

    it('createCheck sets a commit status named after the check and returns its id', async () => {
      const c = await verbs.createCheck(project, {
        name: GATE,
        headSha: HEAD,
        status: 'in_progress',
        detailsUrl: 'https://aof.example/runs/1',
      });
      const st = s.statuses[0]!;
      assert.deepEqual(c, { id: st.id, url: 'https://aof.example/runs/1' });
      assert.deepEqual(
        [st.name, st.status, st.targetUrl, st.description],
        [GATE, 'running', 'https://aof.example/runs/1', 'In progress'],
      );
      assert.deepEqual(gitlab.requests[0]!.body, {
        state: 'running',
        name: GATE,
        target_url: 'https://aof.example/runs/1',
        description: 'In progress',
      });
    });

    it('a status GitLab stored before a 500 is the one the retry returns (no second status)', async () => {
      const c = await storedThenRetried(
        () => verbs.createCheck(project, { name: GATE, headSha: HEAD, status: 'queued' }),
        /POST .*\/statuses\//,
      );
      assert.equal(c.id, s.statuses[0]!.id);
      assert.deepEqual(statuses(), ['pending']);
    });

    it('updateCheck moves the status: in_progress to running, conclusions to success/failed/canceled', async () => {
      const conclusions = [
        ['success', 'success'],
        ['neutral', 'success'],
        ['skipped', 'success'],
        ['failure', 'failed'],
        ['timed_out', 'failed'],
        ['action_required', 'failed'],
        ['cancelled', 'canceled'],
      ] as const;
      for (const [i, [conclusion, state]] of conclusions.entries()) {
        const name = `${GATE} ${i}`;
        const c = await verbs.createCheck(project, { name, headSha: HEAD, status: 'queued' });
        await verbs.updateCheck(project, { checkId: c.id, name, headSha: HEAD, status: 'in_progress' });
        await verbs.updateCheck(project, { checkId: c.id, name, headSha: HEAD, status: 'in_progress' });
        await verbs.updateCheck(project, {
          checkId: c.id,
          name,
          headSha: HEAD,
          status: 'completed',
          conclusion,
          output: { title: 'T'.repeat(300), summary: 's' },
        });
        const st = s.statuses.filter((x) => x.name === name);
        assert.deepEqual(
          st.map((x) => x.history.join('>')),
          [`pending>running>${state}`],
          conclusion,
        );
        assert.equal([...st[0]!.description!].length, 255, 'description cut to 255');
      }
    });

    it('a finished status is not repeated by a retry', async () => {
      await verbs.createCheck(project, { name: GATE, headSha: HEAD, status: 'in_progress' });
      const done = () =>
        verbs.updateCheck(project, {
          checkId: 1,
          name: GATE,
          headSha: HEAD,
          status: 'completed',
          conclusion: 'success',
        });
      await storedThenRetried(done, /POST .*\/statuses\//);
      assert.deepEqual(statuses(), ['pending>running>success']);
    });

    it('checkDone: only a success or failed status of that name on that commit', async () => {
      assert.equal(await verbs.checkDone(project, HEAD, GATE), false);
      await verbs.createCheck(project, { name: GATE, headSha: HEAD, status: 'in_progress' });
      await verbs.createCheck(project, { name: 'other', headSha: HEAD, status: 'in_progress' });
      await verbs.updateCheck(project, { checkId: 0, name: 'other', headSha: HEAD, conclusion: 'success' });
      assert.equal(await verbs.checkDone(project, HEAD, GATE), false);
      await verbs.updateCheck(project, { checkId: 0, name: GATE, headSha: HEAD, conclusion: 'cancelled' });
      assert.equal(await verbs.checkDone(project, HEAD, GATE), false, 'cancelled is not done');
      await verbs.updateCheck(project, { checkId: 0, name: GATE, headSha: HEAD, conclusion: 'failure' });
      gitlab.requests.length = 0;
      assert.equal(await verbs.checkDone(project, HEAD, GATE), true);
      assert.deepEqual(sent(), [
        `GET ${P}/repository/commits/${HEAD}/statuses?name=AFA+Gate+Check&all=true&per_page=100&page=1`,
      ]);
    });

    it('findings become discussions at their lines; a line the diff does not show, a discussion naming it', async () => {
      await verbs.updateCheck(project, {
        checkId: 1,
        name: GATE,
        headSha: HEAD,
        number: 7,
        output: { title: 't', summary: 's', annotations: [finding(2, 'Naming'), finding(40, 'Elsewhere')] },
      });
      const ds = s.discussionsOf(mr7());
      assert.equal(ds.length, 2);
      // Posted side by side: found by what they say, not by the order GitLab stored them in.
      const notes = ds.map((d) => d.notes[0]!);
      const at = notes.find((n) => n.body.includes('Naming'));
      const off = notes.find((n) => n.body.includes('Elsewhere'));
      assert.equal(at!.type, 'DiffNote');
      assert.deepEqual(at!.position, {
        base_sha: BASE,
        start_sha: BASE,
        head_sha: HEAD,
        old_path: 'src/a.ts',
        new_path: 'src/a.ts',
        position_type: 'text',
        old_line: null,
        new_line: 2,
        line_range: null,
      });
      assert.equal(at!.body, `**Warning: Naming**\n\nabout line 2\n\n${findingMarker(HEAD, finding(2, 'Naming'))}`);
      assert.equal(off!.type, 'DiscussionNote');
      assert.equal(off!.position, undefined);
      assert.match(off!.body, /`src\/a\.ts:40`/);
      assert.ok(off!.body.endsWith(findingMarker(HEAD, finding(40, 'Elsewhere'))));
      // The usual path: the MR's diff_refs, then one request per finding (plus the refused position).
      assert.deepEqual(sent(), [
        `GET ${P}/merge_requests/7`,
        `POST ${P}/merge_requests/7/discussions`,
        `POST ${P}/merge_requests/7/discussions`,
        `POST ${P}/merge_requests/7/discussions`,
      ]);
      assert.deepEqual(gitlab.requests.map((r) => r.status).sort(), [200, 201, 201, 400]);
    });

    it('a discussion GitLab stored before a 500 exists exactly once after the retry', async () => {
      // More findings than go at once: some are in flight beside the one that fails.
      const all = Array.from({ length: FINDINGS_IN_FLIGHT + 2 }, (_, i) => finding(2, `F${i}`));
      const update = () =>
        verbs.updateCheck(project, {
          checkId: 1,
          name: GATE,
          headSha: HEAD,
          number: 7,
          output: { title: 't', summary: 's', annotations: all },
        });
      // The first finding is stored, then answered 500.
      gitlab.failAfterWrite(1, 'status500', /POST .*\/discussions$/);
      const stored = s.discussions.length;
      await attempt(1, update).then(
        () => assert.fail('expected the 500'),
        () => undefined,
      );
      const posts = gitlab.requests.filter((r) => r.method === 'POST');
      const written = s.discussions.length - stored;
      assert.ok(written >= 1 && written < all.length, `${written} stored before the failure ended the attempt`);
      // Those in flight beside it were answered before the failure was thrown: none lands after a retry looks.
      assert.equal(posts.length, written);
      assert.ok(posts.every((r) => r.status > 0));
      gitlab.requests.length = 0;
      await attempt(2, update);
      assert.deepEqual(sent(), [
        `GET ${P}/merge_requests/7`,
        'GET /api/v4/user',
        `GET ${P}/merge_requests/7/discussions?per_page=100&page=1`,
        ...Array.from({ length: all.length - written }, () => `POST ${P}/merge_requests/7/discussions`),
      ]);
      eachFindingOnce(all);
    });

    it('a later batch (annotationsBefore) does not repeat what an earlier one posted; a planted marker does not hide one', async () => {
      const mallory = new GitLabApi({ apiUrl: gitlab.apiUrl, token: 'glpat-mallory' });
      await mallory.json('POST', '/projects/42/merge_requests/7/discussions', {
        body: { body: `nothing here ${findingMarker(HEAD, finding(3, 'B'))}` },
      });
      const batch = (annotations: ReturnType<typeof finding>[], annotationsBefore: number) =>
        verbs.updateCheck(project, {
          checkId: 1,
          name: GATE,
          headSha: HEAD,
          number: 7,
          annotationsBefore,
          output: { title: 't', summary: 's', annotations },
        });
      await batch([finding(2, 'A')], 0);
      await batch([finding(2, 'A'), finding(3, 'B')], 1);
      const mine = s.notesOf(mr7()).filter((n) => n.authorId === bot().id);
      assert.equal(mine.length, 2, 'A once, and B although mallory planted its marker');
    });
  });

  describe("the analysis's reader (one GraphQL request: blobs, diff refs, the bot's marked note)", () => {
    const MARK = '<!-- aof:gate -->';
    const reader = (marker?: string) => verbs.changeReader!(mr, HEAD, marker);
    const read = (r: ReturnType<typeof reader>) => r.filesAt([{ path: 'src/a.ts', estimate: 100 }], 1000);
    const update = (annotations: ReturnType<typeof finding>[]) =>
      verbs.updateCheck(project, {
        checkId: 1,
        name: GATE,
        headSha: HEAD,
        number: 7,
        output: { title: 't', summary: 's', annotations },
      });

    it("finds the bot's marked note among the MR's notes; someone else's note with the marker is not it", async () => {
      const mallory = new GitLabApi({ apiUrl: gitlab.apiUrl, token: 'glpat-mallory' });
      await mallory.json('POST', '/projects/42/merge_requests/7/notes', { body: { body: `fake ${MARK}` } });
      const none = reader(MARK);
      const got = await read(none);
      assert.equal(got.contents.get('src/a.ts'), 'line one\nline 2\nline 2b\nline three\n');
      assert.equal(none.comment!(), null, "mallory's note is not the bot's");
      const made = await verbs.upsertMarkedComment(mr, MARK, `one ${MARK}`, none.comment!());
      gitlab.requests.length = 0;
      const found = reader(MARK);
      const again = await read(found);
      assert.equal(found.comment!(), made.id);
      // The blobs, the notes and the diff refs in one request (the bot's identity is asked once per client).
      assert.equal(again.requests, 1);
      assert.deepEqual(sent(), ['POST /api/graphql']);
      const q = gitlab.requests[0]!.body as { variables: Record<string, unknown> };
      assert.deepEqual(q.variables, { fullPath: 'acme/platform/app', ref: HEAD, paths: ['src/a.ts'], iid: '7' });
      // The write then needs no lookup: one PUT.
      gitlab.requests.length = 0;
      await attempt(1, () => verbs.upsertMarkedComment(mr, MARK, `two ${MARK}`, found.comment!()));
      assert.deepEqual(sent(), [`PUT ${P}/merge_requests/7/notes/${made.id}`]);
      assert.deepEqual(
        s.notesOf(mr7()).map((n) => n.body),
        [`fake ${MARK}`, `two ${MARK}`],
      );
    });

    it('a marked note beyond the first 100 notes is unknown (the write looks it up), never "none"', async () => {
      const alice = new GitLabApi({ apiUrl: gitlab.apiUrl, token: 'glpat-alice' });
      for (let i = 0; i < 100; i++)
        await alice.json('POST', '/projects/42/merge_requests/7/notes', { body: { body: `chatter ${i}` } });
      const made = await verbs.upsertMarkedComment(mr, MARK, `one ${MARK}`);
      const r = reader(MARK);
      await read(r);
      assert.equal(r.comment!(), undefined);
      const again = await attempt(1, () => verbs.upsertMarkedComment(mr, MARK, `two ${MARK}`, r.comment!()));
      assert.deepEqual([again.id, again.created], [made.id, false]);
      assert.equal(s.notesOf(mr7()).filter((n) => n.body.includes(MARK)).length, 1);
    });

    it('findings after the reader need no MR read: its diff refs are kept by head', async () => {
      await read(reader(MARK));
      gitlab.requests.length = 0;
      await attempt(1, () => update([finding(2, 'A'), finding(3, 'B')]));
      assert.deepEqual(sent(), [`POST ${P}/merge_requests/7/discussions`, `POST ${P}/merge_requests/7/discussions`]);
      assert.ok(s.discussionsOf(mr7()).every((d) => d.notes[0]!.type === 'DiffNote'));
      // Another worker (its own verbs) has not read this head: it reads the MR as before.
      const elsewhere = createGitLabVerbs(() => api);
      gitlab.requests.length = 0;
      await attempt(1, () =>
        elsewhere.updateCheck(project, {
          checkId: 1,
          name: GATE,
          headSha: HEAD,
          number: 7,
          output: { title: 't', summary: 's', annotations: [finding(3, 'C')] },
        }),
      );
      assert.deepEqual(sent(), [`GET ${P}/merge_requests/7`, `POST ${P}/merge_requests/7/discussions`]);
    });

    it('with kept diff refs, a discussion GitLab stored before a 500 exists exactly once after the retry', async () => {
      await read(reader(MARK));
      const all = Array.from({ length: FINDINGS_IN_FLIGHT + 3 }, (_, i) => finding(2, `K${i}`));
      gitlab.requests.length = 0;
      gitlab.failAfterWrite(1, 'status500', /POST .*\/discussions$/);
      await assert.rejects(
        attempt(1, () => update(all)),
        (e: ApplicationFailure) => e.type === 'GitLabUnavailable',
      );
      const written = s.discussionsOf(mr7()).length;
      assert.ok(written >= 1 && written < all.length, `${written} stored before the failure ended the attempt`);
      assert.ok(!sent().some((r) => r === `GET ${P}/merge_requests/7`), 'the kept refs, no MR read');
      gitlab.requests.length = 0;
      await attempt(2, () => update(all));
      assert.deepEqual(sent(), [
        `GET ${P}/merge_requests/7/discussions?per_page=100&page=1`,
        ...Array.from({ length: all.length - written }, () => `POST ${P}/merge_requests/7/discussions`),
      ]);
      eachFindingOnce(all);
    });

    it('an unknown merge request leaves the note unknown (looked up when written); the blobs are read', async () => {
      const other = new GitLabApi({ apiUrl: gitlab.apiUrl, token: 'glpat-alice' });
      const r = createGitLabVerbs(() => other).changeReader!({ ...mr, number: 404 }, HEAD, MARK);
      const got = await r.filesAt([{ path: 'src/a.ts', estimate: 100 }], 1000);
      assert.equal(got.contents.get('src/a.ts'), 'line one\nline 2\nline 2b\nline three\n');
      assert.equal(r.comment!(), undefined, 'no merge request: unknown, looked up when written');
    });
  });

  describe('mayApprove', () => {
    it('by username (case-insensitive), by group path, by access level; a guest is refused', async () => {
      const ask = (login: string, approvers: string[], minPermission?: string) =>
        verbs.mayApprove(project, { login, approvers, ...(minPermission ? { minPermission } : {}) });
      assert.deepEqual(await ask('Gus', ['someone', 'GUS']), {
        allowed: true,
        via: 'listed as GUS',
        permission: 'guest',
      });
      assert.deepEqual(await ask('rev', ['acme/reviewers']), {
        allowed: true,
        via: 'member of acme/reviewers',
        permission: 'none',
      });
      assert.deepEqual(await ask('rita', ['acme/reviewers']), { allowed: false, permission: 'reporter' });
      assert.deepEqual(await ask('dev', [], 'write'), {
        allowed: true,
        via: 'developer access',
        permission: 'developer',
      });
      assert.deepEqual(await ask('alice', ['acme/nope'], 'maintain'), {
        allowed: true,
        via: 'maintainer access',
        permission: 'maintainer',
      });
      assert.deepEqual(await ask('dev', [], 'maintain'), { allowed: false, permission: 'developer' });
      assert.deepEqual(await ask('rita', [], 'triage'), {
        allowed: true,
        via: 'reporter access',
        permission: 'reporter',
      });
      assert.deepEqual(await ask('gus', ['dev'], 'write'), { allowed: false, permission: 'guest' });
      assert.deepEqual(await ask('ghost', ['ghost'], 'read'), { allowed: false, permission: 'none' });
      const revId = s.mustUser('rev').id;
      assert.ok(sent().includes('GET /api/v4/users?username=rev'));
      assert.ok(sent().includes(`GET ${P}/members/all/${revId}`));
      assert.ok(sent().includes(`GET /api/v4/groups/acme%2Freviewers/members/all/${revId}`));
    });
  });

  describe('labels', () => {
    it('a label with a comma is refused before anything is sent (GitLab would split it in two)', async () => {
      const sent = gitlab.requests.length;
      for (const change of [() => verbs.labels!.add(mr, ['ok', 'bug, urgent']), () => verbs.labels!.remove(mr, 'a,b')])
        await assert.rejects(
          change(),
          (err: ApplicationFailure) =>
            err.type === 'GitLabLabelComma' && err.nonRetryable && /"(bug, urgent|a,b)"/.test(err.message),
        );
      assert.equal(gitlab.requests.length, sent, 'nothing reached GitLab');
      assert.deepEqual(mr7().labels, ['backend']);
    });

    it('adds with add_labels (comma-separated) and removes with remove_labels', async () => {
      await verbs.labels!.add(mr, ['needs-review', 'gate']);
      assert.deepEqual(mr7().labels, ['backend', 'needs-review', 'gate']);
      await verbs.labels!.remove(mr, 'needs-review');
      assert.deepEqual(mr7().labels, ['backend', 'gate']);
      assert.deepEqual(
        gitlab.requests.map((r) => [r.method, r.path, r.body]),
        [
          ['PUT', `${P}/merge_requests/7`, { add_labels: 'needs-review,gate' }],
          ['PUT', `${P}/merge_requests/7`, { remove_labels: 'needs-review' }],
        ],
      );
    });
  });
});
