// The GitLab sandbox must answer like GitLab's REST API v4 where the product depends on it: its
// authentication, error bodies, parameter checks, pagination, rate limits and writes that fail late.
import assert from 'node:assert/strict';
import { ACCESS, GitLabSandbox } from '../../src/sandbox/gitlab/index.js';

const HEAD = 'a'.repeat(40);
const BASE = 'b'.repeat(40);
const DIFF = '@@ -1,3 +1,4 @@\n line one\n-line two\n+line 2\n+line 2b\n line three\n';

describe('GitLab sandbox', () => {
  const gitlab = new GitLabSandbox();
  const s = gitlab.state;
  before(async () => {
    await gitlab.start();
    s.addUser({ username: 'aofbot', token: 'glpat-bot', bot: true });
    s.addUser({ username: 'alice', token: 'glpat-alice' });
    s.addUser({ username: 'mallory', token: 'glpat-mallory' });
    s.addProject({ pathWithNamespace: 'acme/platform/app', id: 42 });
    s.addMember('acme/platform/app', 'aofbot', ACCESS.developer);
    s.addGroupMember('acme', 'alice', ACCESS.maintainer);
    s.addMergeRequest(42, {
      iid: 7,
      author: 'alice',
      headSha: HEAD,
      baseSha: BASE,
      title: 'Add things',
      labels: ['backend'],
      diffs: [{ new_path: 'src/a.ts', diff: DIFF, content: 'line one\nline 2\nline 2b\nline three\n' }],
    });
  });
  after(() => gitlab.stop());
  beforeEach(() => gitlab.reset());

  const call = async (
    method: string,
    path: string,
    opts: { token?: string | null; body?: unknown; bearer?: boolean; form?: string } = {},
  ) => {
    const headers: Record<string, string> = {};
    const token = opts.token === undefined ? 'glpat-bot' : opts.token;
    if (token) {
      if (opts.bearer) headers.authorization = `Bearer ${token}`;
      else headers['private-token'] = token;
    }
    let body: string | undefined;
    if (opts.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = opts.form;
    } else if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    const res = await fetch(`${gitlab.apiUrl}${path}`, { method, headers, body });
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, json, text };
  };
  const mrPath = '/projects/acme%2Fplatform%2Fapp/merge_requests/7';

  it('answers 401 without a valid token, and knows the token owner by PRIVATE-TOKEN or Bearer', async () => {
    for (const token of [null, 'glpat-wrong']) {
      const r = await call('GET', '/user', { token });
      assert.equal(r.status, 401);
      assert.deepEqual(r.json, { message: '401 Unauthorized' });
    }
    assert.equal((await call('GET', '/user')).json.username, 'aofbot');
    const bearer = await call('GET', '/user', { token: 'glpat-alice', bearer: true });
    assert.equal(bearer.json.username, 'alice');
    const found = await call('GET', '/users?username=ALICE');
    assert.deepEqual(
      found.json.map((u: any) => u.username),
      ['alice'],
    );
    assert.deepEqual((await call('GET', '/users?username=nobody')).json, []);
  });

  it('finds projects by id or URL-encoded path and hides private ones from non-members (404)', async () => {
    assert.equal((await call('GET', '/projects/42')).json.path_with_namespace, 'acme/platform/app');
    const byPath = await call('GET', '/projects/acme%2Fplatform%2Fapp');
    assert.equal(byPath.json.id, 42);
    assert.equal(byPath.json.namespace.full_path, 'acme/platform');
    const hidden = await call('GET', '/projects/42', { token: 'glpat-mallory' });
    assert.equal(hidden.status, 404);
    assert.deepEqual(hidden.json, { message: '404 Project Not Found' });
    assert.deepEqual((await call('GET', '/projects/acme%2Fnope')).json, { message: '404 Project Not Found' });
    assert.equal((await call('GET', '/projects/acme/platform/app')).status, 404, 'an unencoded path is another route');
    const noMr = await call('GET', '/projects/42/merge_requests/8');
    assert.equal(noMr.status, 404);
    assert.deepEqual(noMr.json, { message: '404 Not found' });
  });

  it('serves the merge request with diff_refs and its diffs', async () => {
    const mr = await call('GET', mrPath);
    assert.deepEqual(mr.json.diff_refs, { base_sha: BASE, head_sha: HEAD, start_sha: BASE });
    assert.equal(mr.json.author.username, 'alice');
    const changes = await call('GET', `${mrPath}/changes`);
    assert.equal(changes.json.changes[0].new_path, 'src/a.ts');
    const diffs = await call('GET', `${mrPath}/diffs?per_page=1`);
    assert.equal(diffs.json.length, 1);
    assert.equal(diffs.headers.get('x-total'), '1');
  });

  it('pages lists with X-Page, X-Next-Page, X-Total and a Link header; per_page is cut to 100', async () => {
    for (let i = 0; i < 45; i++) await call('POST', `${mrPath}/notes`, { body: { body: `n${i}` } });
    const first = await call('GET', `${mrPath}/notes?sort=asc&per_page=20`);
    assert.equal(first.json.length, 20);
    assert.equal(first.json[0].body, 'n0');
    assert.equal(first.headers.get('x-page'), '1');
    assert.equal(first.headers.get('x-next-page'), '2');
    assert.equal(first.headers.get('x-total'), '45');
    assert.equal(first.headers.get('x-total-pages'), '3');
    assert.match(first.headers.get('link')!, /[?&]page=2[&>].*rel="next"/);
    const last = await call('GET', `${mrPath}/notes?sort=asc&per_page=20&page=3`);
    assert.deepEqual(
      last.json.map((n: any) => n.body),
      ['n40', 'n41', 'n42', 'n43', 'n44'],
    );
    assert.equal(last.headers.get('x-next-page'), '');
    assert.equal(last.headers.get('x-prev-page'), '2');
    const newestFirst = await call('GET', `${mrPath}/notes`);
    assert.equal(newestFirst.json[0].body, 'n44', "GitLab's default order is newest first");
    assert.equal(newestFirst.headers.get('x-per-page'), '20');
    const big = await call('GET', `${mrPath}/notes?per_page=500`);
    assert.equal(big.headers.get('x-per-page'), '100');
    assert.equal(big.json.length, 45);
    assert.ok(gitlab.state.violations.some((v) => /per_page 500/.test(v.problem)));
    assert.equal((await call('GET', `${mrPath}/notes?page=0`)).status, 400);
    assert.deepEqual((await call('GET', `${mrPath}/notes?per_page=x`)).json, { error: 'per_page is invalid' });
  });

  it('leaves X-Total and X-Total-Pages out beyond 10,000 items', async () => {
    const mr = s.mergeRequest(s.mustProject(42), 7)!;
    const many = Array.from({ length: 10_001 }, (_, i) => ({ new_path: `f${i}.ts`, diff: DIFF }));
    const saved = mr.diffs;
    s.push(42, 7, HEAD, many);
    try {
      const r = await call('GET', `${mrPath}/diffs?per_page=100`);
      assert.equal(r.headers.get('x-total'), null);
      assert.equal(r.headers.get('x-total-pages'), null);
      assert.equal(r.headers.get('x-next-page'), '2');
      assert.doesNotMatch(r.headers.get('link')!, /rel="last"/);
    } finally {
      mr.diffs = saved;
    }
  });

  it('creates, edits and lists notes; refuses a blank, an over-long or an undeclared parameter', async () => {
    const created = await call('POST', `${mrPath}/notes`, { body: { body: 'hello' } });
    assert.equal(created.status, 201);
    assert.equal(created.json.author.username, 'aofbot');
    assert.equal(created.json.noteable_iid, 7);
    const edited = await call('PUT', `${mrPath}/notes/${created.json.id}`, { body: { body: 'edited' } });
    assert.equal(edited.json.body, 'edited');
    assert.equal(
      (await call('PUT', `${mrPath}/notes/${created.json.id}`, { token: 'glpat-alice', body: { body: 'x' } })).status,
      403,
      "only the author edits a note's text",
    );
    assert.deepEqual((await call('GET', `${mrPath}/notes/999999`)).json, { message: '404 Note Not Found' });
    assert.deepEqual((await call('POST', `${mrPath}/notes`, { body: {} })).json, { error: 'body is missing' });
    assert.deepEqual((await call('POST', `${mrPath}/notes`, { body: { body: '' } })).json, { error: 'body is empty' });
    const long = await call('POST', `${mrPath}/notes`, { body: { body: 'x'.repeat(1_000_001) } });
    assert.equal(long.status, 400);
    assert.deepEqual(long.json, { message: { note: ['is too long (maximum is 1000000 characters)'] } });
    const unknown = await call('POST', `${mrPath}/notes`, { body: { body: 'x', confidential: true } });
    assert.equal(unknown.status, 400);
    assert.match(unknown.json.error, /confidential/);
    assert.deepEqual(
      s.notesOf(s.mergeRequest(s.mustProject(42), 7)!).map((n) => n.body),
      ['edited'],
      'refused writes stored nothing',
    );
  });

  it('starts a diff discussion only at a line of the current diff, by new_line, old_line or both', async () => {
    const position = (extra: Record<string, unknown>) => ({
      body: 'finding',
      position: {
        position_type: 'text',
        base_sha: BASE,
        start_sha: BASE,
        head_sha: HEAD,
        old_path: 'src/a.ts',
        new_path: 'src/a.ts',
        ...extra,
      },
    });
    const added = await call('POST', `${mrPath}/discussions`, { body: position({ new_line: 3 }) });
    assert.equal(added.status, 201, JSON.stringify(added.json));
    assert.equal(added.json.notes[0].type, 'DiffNote');
    assert.equal(added.json.notes[0].position.new_line, 3);
    assert.equal((await call('POST', `${mrPath}/discussions`, { body: position({ old_line: 2 }) })).status, 201);
    assert.equal(
      (await call('POST', `${mrPath}/discussions`, { body: position({ old_line: 3, new_line: 4 }) })).status,
      201,
    );
    for (const bad of [
      { new_line: 1 }, // a context line needs old_line too
      { new_line: 99 },
      { new_line: 3, head_sha: 'c'.repeat(40) }, // not the MR's head
      { new_line: 3, new_path: 'src/b.ts', old_path: 'src/b.ts' },
    ]) {
      const r = await call('POST', `${mrPath}/discussions`, { body: position(bad) });
      assert.equal(r.status, 400, JSON.stringify(bad));
      assert.match(r.json.message, /line_code/);
    }
    const missing = await call('POST', `${mrPath}/discussions`, {
      body: { body: 'x', position: { position_type: 'text', new_line: 3 } },
    });
    assert.deepEqual(missing.json, {
      error: 'position[base_sha] is missing, position[start_sha] is missing, position[head_sha] is missing',
    });
    // Form bodies with Rails-style keys work too.
    const form = new URLSearchParams({
      body: 'form',
      'position[position_type]': 'text',
      'position[base_sha]': BASE,
      'position[start_sha]': BASE,
      'position[head_sha]': HEAD,
      'position[new_path]': 'src/a.ts',
      'position[old_path]': 'src/a.ts',
      'position[new_line]': '2',
    });
    assert.equal((await call('POST', `${mrPath}/discussions`, { form: form.toString() })).status, 201);
    const list = await call('GET', `${mrPath}/discussions`);
    assert.equal(list.json.length, 4);
    assert.equal(list.json[0].individual_note, false);
    const reply = await call('POST', `${mrPath}/discussions/${added.json.id}/notes`, { body: { body: 'reply' } });
    assert.equal(reply.status, 201);
    const resolved = await call('PUT', `${mrPath}/discussions/${added.json.id}/notes/${reply.json.id}`, {
      body: { resolved: true },
    });
    assert.equal(resolved.json.resolved, true);
  });

  it('moves commit statuses through GitLab state machine and refuses a repeated running', async () => {
    const post = (body: unknown, sha = HEAD) => call('POST', `/projects/42/statuses/${sha}`, { body });
    const running = await post({ state: 'running', name: 'AFA Gate Check', target_url: 'https://ci.example/1' });
    assert.equal(running.status, 201);
    assert.equal(running.json.ref, 'feature-7');
    const again = await post({ state: 'running', name: 'AFA Gate Check' });
    assert.equal(again.status, 400);
    assert.match(again.json.message, /Cannot transition status via :run from :running/);
    assert.equal((await post({ state: 'failed', name: 'AFA Gate Check', description: '2 findings' })).status, 201);
    assert.deepEqual(s.statuses[0]!.history, ['pending', 'running', 'failed']);
    // A finished status is not changed: the next push's run is a new status.
    assert.equal((await post({ state: 'running', name: 'AFA Gate Check' })).status, 201);
    assert.equal(s.statuses.length, 2);
    const latest = await call('GET', `/projects/42/repository/commits/${HEAD}/statuses`);
    assert.deepEqual(
      latest.json.map((x: any) => x.status),
      ['running'],
    );
    const all = await call('GET', `/projects/42/repository/commits/${HEAD}/statuses?all=true`);
    assert.equal(all.json.length, 2);
    assert.deepEqual((await post({ state: 'done' })).json, { error: 'state does not have a valid value' });
    assert.deepEqual((await post({ name: 'x' })).json, { error: 'state is missing' });
    assert.deepEqual((await post({ state: 'pending', description: 'd'.repeat(256) })).json, {
      message: { description: ['is too long (maximum is 255 characters)'] },
    });
    assert.equal((await post({ state: 'pending', target_url: 'javascript:alert(1)' })).status, 400);
    assert.deepEqual((await post({ state: 'pending' }, 'f'.repeat(40))).json, { message: '404 Commit Not Found' });
    assert.equal(
      (await call('POST', `/projects/42/statuses/${HEAD}`, { token: 'glpat-alice', body: { state: 'pending' } }))
        .status,
      201,
      'a maintainer through the parent group may',
    );
  });

  it('reads raw files at a ref by URL-encoded path', async () => {
    const raw = await call('GET', `/projects/42/repository/files/src%2Fa.ts/raw?ref=${HEAD}`);
    assert.equal(raw.status, 200);
    assert.equal(raw.text, 'line one\nline 2\nline 2b\nline three\n');
    assert.equal(raw.headers.get('x-gitlab-ref'), HEAD);
    const missing = await call('GET', `/projects/42/repository/files/src%2Fb.ts/raw?ref=${HEAD}`);
    assert.deepEqual(missing.json, { message: '404 File Not Found' });
    const meta = await call('GET', `/projects/42/repository/files/src%2Fa.ts?ref=${HEAD}`);
    assert.equal(Buffer.from(meta.json.content, 'base64').toString(), raw.text);
    assert.deepEqual((await call('GET', '/projects/42/repository/files/src%2Fa.ts')).json, { error: 'ref is missing' });
  });

  it('adds and removes labels, and wants at least one parameter', async () => {
    const r = await call('PUT', mrPath, { body: { add_labels: 'aof:reviewed,security', remove_labels: 'backend' } });
    assert.deepEqual(r.json.labels, ['aof:reviewed', 'security']);
    const none = await call('PUT', mrPath, { body: {} });
    assert.equal(none.status, 400);
    assert.match(none.json.error, /at least one parameter must be provided/);
    assert.equal((await call('PUT', mrPath, { token: 'glpat-mallory', body: { add_labels: 'x' } })).status, 404);
    await call('PUT', mrPath, { body: { labels: 'backend' } });
  });

  it('answers members with inherited access levels, and approvals', async () => {
    const alice = s.mustUser('alice');
    const m = await call('GET', `/projects/42/members/all/${alice.id}`);
    assert.equal(m.json.access_level, ACCESS.maintainer);
    assert.deepEqual((await call('GET', `/projects/42/members/${alice.id}`)).json, { message: '404 Not found' });
    const mallory = s.mustUser('mallory');
    assert.equal((await call('GET', `/projects/42/members/all/${mallory.id}`)).status, 404);
    assert.equal((await call('GET', `/groups/acme%2Fplatform/members/all/${alice.id}`)).json.access_level, 40);
    assert.deepEqual((await call('GET', `/groups/nope/members/all/${alice.id}`)).json, {
      message: '404 Group Not Found',
    });
    const list = await call('GET', '/projects/42/members/all');
    assert.deepEqual(list.json.map((x: any) => x.username).sort(), ['alice', 'aofbot']);
    assert.equal((await call('POST', `${mrPath}/approve`, { body: { sha: BASE } })).status, 409);
    assert.equal((await call('POST', `${mrPath}/approve`, { body: { sha: HEAD } })).status, 201);
    const approvals = await call('GET', `${mrPath}/approvals`);
    assert.deepEqual(
      approvals.json.approved_by.map((a: any) => a.user.username),
      ['aofbot'],
    );
  });

  it('rate-limits with 429, Retry-After and RateLimit-Reset, scripted or as a standing budget', async () => {
    gitlab.rateLimit(1, 30, /^POST .*\/notes$/);
    const limited = await call('POST', `${mrPath}/notes`, { body: { body: 'x' } });
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '30');
    const reset = Number(limited.headers.get('ratelimit-reset'));
    assert.ok(reset >= Date.now() / 1000 + 29 && reset <= Date.now() / 1000 + 31, String(reset));
    assert.equal(s.notesOf(s.mergeRequest(s.mustProject(42), 7)!).length, 0, 'a 429 stores nothing');
    assert.equal((await call('POST', `${mrPath}/notes`, { body: { body: 'x' } })).status, 201);
    gitlab.requestBudget(2, 60);
    assert.equal((await call('GET', '/user')).status, 200);
    assert.equal((await call('GET', '/user')).status, 200);
    const over = await call('GET', '/user');
    assert.equal(over.status, 429);
    assert.ok(Number(over.headers.get('retry-after')) > 0);
    assert.equal((await call('GET', '/user', { token: 'glpat-alice' })).status, 200, 'the budget is per user');
  });

  it('fails after storing a write (500 or reset), and before one (failNext)', async () => {
    gitlab.failAfterWrite(1, 'status500', /^POST .*\/notes$/);
    const failed = await call('POST', `${mrPath}/notes`, { body: { body: 'once' } });
    assert.equal(failed.status, 500);
    const notes = await call('GET', `${mrPath}/notes`);
    assert.deepEqual(
      notes.json.map((n: any) => n.body),
      ['once'],
      'the note exists although the answer was a 500',
    );
    assert.equal(gitlab.afterWriteFaults, 1);
    gitlab.failAfterWrite(1, 'reset');
    await assert.rejects(call('POST', `${mrPath}/notes`, { body: { body: 'twice' } }));
    assert.equal(s.notesOf(s.mergeRequest(s.mustProject(42), 7)!).length, 2);
    gitlab.failNext(1, 502, /^POST /);
    assert.equal((await call('POST', `${mrPath}/notes`, { body: { body: 'never' } })).status, 502);
    assert.equal(s.notesOf(s.mergeRequest(s.mustProject(42), 7)!).length, 2);
    // Reads are not writes: failAfterWrite waits for the next write.
    gitlab.failAfterWrite(1, 'status500');
    assert.equal((await call('GET', `${mrPath}/notes`)).status, 200);
  });

  it('records every request with method, path, query, body, status and user', async () => {
    await call('POST', `${mrPath}/notes?x=1`, { body: { body: 'hi' } });
    await call('GET', '/user', { token: null });
    const [post, anon] = gitlab.requests;
    assert.equal(post!.method, 'POST');
    assert.equal(post!.path, '/api/v4/projects/acme%2Fplatform%2Fapp/merge_requests/7/notes');
    assert.equal(post!.query, 'x=1');
    assert.deepEqual(post!.body, { body: 'hi' });
    assert.equal(post!.status, 400, 'x is not a parameter of notes');
    assert.equal(post!.username, 'aofbot');
    assert.equal(anon!.status, 401);
    assert.equal(anon!.username, undefined);
    assert.ok(post!.at <= anon!.at);
  });
});
