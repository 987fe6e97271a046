// Agent tools on a GitLab merge request (issue 26): the tool names users write (github_post_comment...) run
// through the forge activities' runTool, which serves a GitLab scope with the GitLab adapter's verbs, against
// the GitLab sandbox over real HTTP. A comment and a review are MR notes (once across retries), APPROVE is
// GitLab's approval, labels go through PUT add_labels / remove_labels, checks are commit statuses. Only
// parameters GitLab documents are sent (the sandbox records any other as a violation).
import assert from 'node:assert/strict';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createGitHubActivities } from '../../activities/forge/index.js';
import { operationMarker, currentOperation } from '../../src/forges/operation.js';
import type { ToolScope } from '../../src/agents/tools.js';
import { GitLabApi } from '../../src/forges/gitlab/api.js';
import { createGitLabVerbs } from '../../src/forges/gitlab/verbs.js';
import { ACCESS, GitLabSandbox } from '../../src/sandbox/gitlab/index.js';

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const HEAD = 'a'.repeat(40);
const BASE = 'b'.repeat(40);

describe('agent tools on a GitLab merge request (issue 26)', () => {
  const gitlab = new GitLabSandbox();
  const s = gitlab.state;
  let activities: ReturnType<typeof createGitHubActivities>;
  const P = '/api/v4/projects/acme%2Fapp';
  const scope = (over: Partial<ToolScope> = {}): ToolScope => ({
    forge: 'gitlab',
    owner: 'acme',
    repo: 'app',
    number: 3,
    isPullRequest: true,
    headSha: HEAD,
    checkRunIds: [],
    ...over,
  });

  before(async () => {
    await gitlab.start();
    s.addUser({ username: 'aofbot', token: 'glpat-bot', bot: true });
    s.addUser({ username: 'alice' });
    s.addProject({ pathWithNamespace: 'acme/app', id: 5 });
    s.addMember(5, 'aofbot', ACCESS.developer);
    s.addMergeRequest(5, { iid: 3, author: 'alice', headSha: HEAD, baseSha: BASE, labels: ['backend'] });
    s.addMergeRequest(5, { iid: 4, author: 'aofbot', headSha: 'c'.repeat(40), baseSha: BASE });
  });
  after(() => gitlab.stop());
  beforeEach(() => {
    gitlab.reset();
    // A fresh client each test (its bot identity is cached per client); GitHub is not asked at all.
    const api = new GitLabApi({ apiUrl: gitlab.apiUrl, token: 'glpat-bot' });
    activities = createGitHubActivities(
      () => {
        throw new Error('a GitLab scope reached the GitHub client');
      },
      { gitlab: createGitLabVerbs(() => api) },
    );
  });
  afterEach(function () {
    if (this.currentTest?.state === 'passed')
      assert.deepEqual(s.violations, [], 'only parameters GitLab documents were sent');
  });

  const attempt = <T>(n: number, fn: () => Promise<T>, activityId = 'tool-1') =>
    new MockActivityEnvironment(
      { attempt: n, activityId, workflowExecution: { workflowId: 'wf', runId: 'run' } },
      { logger: quiet },
    ).run(fn) as Promise<T>;
  const tool = (name: string, input: unknown, over: Partial<ToolScope> = {}, reviewEvents?: string[]) =>
    activities.runTool({ tool: name, input, scope: scope(over), reviewEvents });
  /** GitLab stores the write and answers 500; then the activity's retry (attempt 2). */
  const storedThenRetried = async <T>(fn: () => Promise<T>, match: RegExp) => {
    gitlab.failAfterWrite(1, 'status500', match);
    await assert.rejects(attempt(1, fn));
    assert.equal(gitlab.afterWriteFaults, 1);
    return attempt(2, fn);
  };
  const mr = (iid = 3) => s.mergeRequest(s.mustProject(5), iid)!;
  const notes = (iid = 3) => s.notesOf(mr(iid)).map((n) => n.body);
  const sent = () => gitlab.requests.map((r) => `${r.method} ${r.path}`);

  it('github_post_comment posts one MR note, and a later post of the run edits it', async () => {
    const first = await attempt(1, () => tool('github_post_comment', { body: 'Looking…' }));
    assert.equal(first.ok, true);
    const id = (first as { commentId: number }).commentId;
    assert.equal(id, s.notesOf(mr())[0]!.id);
    const marker = operationMarker(await attempt(1, async () => currentOperation().key));
    assert.deepEqual(notes(), [`Looking…\n\n${marker}`]);
    const second = await tool('github_post_comment', { body: 'Done.' }, { commentId: id });
    assert.deepEqual(second, { ok: true, content: `comment ${id} updated`, commentId: id });
    assert.deepEqual(notes(), ['Done.']);
    assert.deepEqual(sent(), [`POST ${P}/merge_requests/3/notes`, `PUT ${P}/merge_requests/3/notes/${id}`]);
  });

  it('a note GitLab stored before a 500 exists once after the retry', async () => {
    const r = await storedThenRetried(() => tool('github_post_comment', { body: 'Once' }), /POST .*\/notes$/);
    assert.equal(r.ok, true);
    assert.equal(notes().length, 1);
    assert.equal((r as { commentId: number }).commentId, s.notesOf(mr())[0]!.id);
  });

  it('github_post_review: COMMENT and REQUEST_CHANGES are notes; APPROVE approves the head the agent read', async () => {
    assert.equal((await tool('github_post_review', { body: 'Fine.', event: 'COMMENT' })).ok, true);
    const all = ['COMMENT', 'REQUEST_CHANGES', 'APPROVE'];
    assert.equal((await tool('github_post_review', { body: 'Fix it.', event: 'REQUEST_CHANGES' }, {}, all)).ok, true);
    assert.deepEqual(mr().approvedBy, []);
    const approved = await tool('github_post_review', { body: 'LGTM', event: 'APPROVE' }, {}, all);
    assert.equal(approved.ok, true, approved.content);
    assert.deepEqual(mr().approvedBy, [s.mustUser('aofbot').id]);
    const approve = gitlab.requests.find((r) => r.path.endsWith('/approve'))!;
    assert.deepEqual(
      [approve.method, approve.path, approve.body],
      ['POST', `${P}/merge_requests/3/approve`, { sha: HEAD }],
    );
    assert.deepEqual(
      notes().map((b) => b.replace(/\n\n<!-- aof:op=\w+ -->$/, '')),
      ['Fine.', '**Changes requested**\n\nFix it.', 'LGTM'],
    );
  });

  it('APPROVE stored before a 500: the retry finds the approval and posts the note once', async () => {
    const r = await storedThenRetried(
      () => tool('github_post_review', { body: 'LGTM', event: 'APPROVE' }, {}, ['APPROVE']),
      /POST .*\/approve$/,
    );
    assert.equal(r.ok, true, r.content);
    assert.deepEqual(mr().approvedBy, [s.mustUser('aofbot').id]);
    assert.equal(notes().length, 1);
    assert.ok(sent().includes(`GET ${P}/merge_requests/3/approvals`), 'the retry asked GitLab');
  });

  it("GitLab's refusals reach the model as tool errors: its own MR, a moved head, an unknown MR", async () => {
    const own = await tool(
      'github_post_review',
      { body: 'Mine', event: 'APPROVE' },
      { number: 4, headSha: 'c'.repeat(40) },
      ['APPROVE'],
    );
    assert.deepEqual([own.ok, (own as { invalid: boolean }).invalid], [false, false]);
    assert.match(own.content, /GitLab refused the approval \(401\)/);
    assert.deepEqual(notes(4), [], 'no note for a refused approval');
    const moved = await tool('github_post_review', { body: 'x', event: 'APPROVE' }, { headSha: BASE }, ['APPROVE']);
    assert.equal(moved.ok, false);
    assert.match(moved.content, /answered 409: SHA does not match HEAD/);
    const missing = await tool('github_add_labels', { labels: ['x'] }, { number: 99 });
    assert.equal(missing.ok, false);
    assert.match(missing.content, /answered 404/);
    // The agent's allow-list of review events holds on GitLab as on GitHub.
    const notAllowed = await tool('github_post_review', { body: 'x', event: 'APPROVE' });
    assert.match(notAllowed.content, /may not approve: its review_events allow COMMENT/);
    assert.deepEqual(mr().approvedBy, []);
  });

  it('labels: add_labels and remove_labels on the MR; the model is told the labels it now has', async () => {
    const added = await tool('github_add_labels', { labels: ['bug', 'priority:high'] });
    assert.deepEqual(added, { ok: true, content: 'labels now: backend, bug, priority:high' });
    const removed = await tool('github_remove_label', { label: 'bug' });
    assert.equal(removed.ok, true);
    assert.deepEqual(mr().labels, ['backend', 'priority:high']);
    assert.deepEqual(
      gitlab.requests.map((r) => [r.method, r.path, r.body]),
      [
        ['PUT', `${P}/merge_requests/3`, { add_labels: 'bug,priority:high' }],
        ['PUT', `${P}/merge_requests/3`, { remove_labels: 'bug' }],
      ],
    );
    mr().labels = ['backend'];
  });

  it('checks are commit statuses on the head: created, updated by the id the tool returned, finished at once', async () => {
    const created = await tool('github_create_check_run', {
      name: 'lint',
      status: 'in_progress',
      title: 'Linting',
      summary: 'running',
    });
    assert.equal(created.ok, true, created.content);
    const id = (created as { checkRunId: number }).checkRunId;
    const status = () => s.statuses.filter((x) => x.name === 'lint');
    assert.deepEqual(
      status().map((x) => [x.id, x.sha, x.status, x.description]),
      [[id, HEAD, 'running', 'Linting']],
    );
    const updated = await tool(
      'github_update_check_run',
      { check_run_id: id, status: 'completed', conclusion: 'failure', title: '2 problems', summary: 's' },
      { checkRunIds: [id] },
    );
    assert.deepEqual(updated, { ok: true, content: `check run ${id} updated (completed: failure)` });
    assert.deepEqual(
      status().map((x) => x.history.join('>')),
      ['pending>running>failed'],
    );
    // A check the run did not create is refused before GitLab is asked.
    const other = await tool(
      'github_update_check_run',
      { check_run_id: 1, conclusion: 'success' },
      { checkRunIds: [id] },
    );
    assert.match(other.content, /was not created by this run/);
    const done = await tool('github_create_check_run', { name: 'docs', status: 'completed', conclusion: 'success' });
    assert.match(done.content, /created \(completed: success\)/);
    assert.deepEqual(
      s.statuses.filter((x) => x.name === 'docs').map((x) => x.history.join('>')),
      ['success'],
    );
  });

  it('a finished status GitLab stored before a 500 is not set twice by the retry', async () => {
    const r = await storedThenRetried(
      () => tool('github_create_check_run', { name: 'once', status: 'completed', conclusion: 'neutral' }),
      /POST .*\/statuses\//,
    );
    assert.equal(r.ok, true, r.content);
    const once = s.statuses.filter((x) => x.name === 'once');
    assert.equal(once.length, 1);
    assert.equal((r as { checkRunId: number }).checkRunId, once[0]!.id);
  });

  it('a tool that needs a merge request refuses an event without one', async () => {
    const r = await tool(
      'github_post_review',
      { body: 'x', event: 'COMMENT' },
      { isPullRequest: false, number: undefined },
    );
    assert.deepEqual([r.ok, r.content], [false, 'github_post_review works on pull and merge requests only']);
    assert.deepEqual(gitlab.requests, []);
  });
});
