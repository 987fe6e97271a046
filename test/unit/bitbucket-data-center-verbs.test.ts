// Bitbucket Data Center's forge verbs (issue 27) against the Bitbucket sandbox answering as Data Center's
// REST API 1.0 over real HTTP: what each verb sends and reads, that only documented parameters go out (the
// sandbox refuses and records any other), Data Center's paging (`start`/`limit`, `isLastPage`), its error
// bodies and failures typed for Temporal, and that writes Data Center stored before failing exist once after
// the activity's retry (attempt 2 of the same activity, run as Temporal runs it).
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { BitbucketApi } from '../../src/forges/bitbucket/api.js';
import { bitbucketClients } from '../../src/forges/bitbucket/clients.js';
import { checkKey, createBitbucketVerbs } from '../../src/forges/bitbucket/verbs.js';
import { currentOperation, operationMarker } from '../../src/forges/operation.js';
import type { Resources } from '../../src/config/load.js';
import type { ChangeTarget, ForgeTarget, LineFinding } from '../../src/forges/port.js';
import { BitbucketSandbox } from '../../src/sandbox/bitbucket/index.js';

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const HEAD = 'd1c2b3a4'.padEnd(40, '5');
const GATE = 'AFA Gate Check';
const PATCH_A = '@@ -1,3 +1,4 @@\n line one\n-line two\n+line 2\n+line 2b\n line three\n';
const PATCH_NEW = '@@ -0,0 +1,2 @@\n+# New\n+text\n';

describe('Bitbucket Data Center forge verbs (issue 27)', () => {
  const bitbucket = new BitbucketSandbox();
  const s = bitbucket.state;
  let api: BitbucketApi;
  let verbs: ReturnType<typeof createBitbucketVerbs>;
  const repo: ForgeTarget = { forge: 'bitbucket', owner: 'PROJ', repo: 'app' };
  const pr: ChangeTarget = { ...repo, number: 7 };
  const R = '/rest/api/1.0/projects/PROJ/repos/app';

  before(async () => {
    await bitbucket.start();
    s.addUser({ nickname: 'aofbot', password: 'http-token', token: 'bearer-bot' });
    s.addUser({ nickname: 'alice', token: 'bearer-alice' });
    s.addUser({ nickname: 'walt' });
    s.addUser({ nickname: 'rita' });
    s.addRepository('PROJ/app', { aofbot: 'admin', alice: 'write', walt: 'write', rita: 'read' });
    s.addPullRequest('PROJ/app', {
      id: 7,
      author: 'alice',
      sourceCommit: HEAD,
      changes: [
        { path: 'src/a.ts', status: 'modified', patch: PATCH_A, content: 'line one\nline 2\nline 2b\nline three\n' },
        { path: 'docs/new.md', status: 'added', patch: PATCH_NEW, content: '# New\ntext\n' },
        { path: 'old.txt', status: 'removed', patch: '@@ -1 +0,0 @@\n-gone\n' },
        { path: 'lib/moved.ts', oldPath: 'lib/old.ts', status: 'renamed', patch: '' },
        { path: 'dir/ü file.txt', status: 'added', patch: '@@ -0,0 +1 @@\n+unicode\n', content: 'unicode\n' },
        { path: 'bin/blob.bin', status: 'added', patch: '', content: 'GIF89a\0\0\x01' },
      ],
    });
    s.addPullRequest('PROJ/app', { id: 8, author: 'aofbot', sourceCommit: 'e'.repeat(40), changes: [] });
  });
  after(() => bitbucket.stop());
  beforeEach(() => {
    bitbucket.reset();
    api = new BitbucketApi({
      apiUrl: bitbucket.dataCenterApiUrl,
      auth: { username: 'aofbot', password: 'http-token' },
    });
    verbs = createBitbucketVerbs(() => api);
  });
  afterEach(function () {
    if (this.currentTest?.state === 'passed')
      assert.deepEqual(s.violations, [], 'only parameters Bitbucket Data Center documents were sent');
  });

  const attempt = <T>(n: number, fn: () => Promise<T>, activityId = 'act-1') =>
    new MockActivityEnvironment(
      { attempt: n, activityId, workflowExecution: { workflowId: 'wf-dc', runId: 'run' } },
      { logger: quiet },
    ).run(fn) as Promise<T>;
  const sent = () => bitbucket.requests.map((r) => `${r.method} ${r.path}${r.query ? `?${r.query}` : ''}`);
  const bot = () => s.mustUser('aofbot');
  const botComments = (id = 7) => s.commentsOf('PROJ/app', id).filter((c) => c.userUuid === bot().uuid);
  /** A write Data Center stores and then answers 500, then the activity's retry (attempt 2). */
  const storedThenRetried = async <T>(fn: () => Promise<T>, match: RegExp, id = 'act-1') => {
    bitbucket.failAfterWrite(1, 'status500', match);
    await assert.rejects(attempt(1, fn, id), (e: ApplicationFailure) => e.type === 'BitbucketUnavailable');
    assert.equal(bitbucket.afterWriteFaults, 1, 'Bitbucket stored the write and answered 500');
    return attempt(2, fn, id);
  };

  it('the client speaks Data Center for an api_url ending in /rest/api/1.0', () => {
    assert.equal(api.flavor, 'data-center');
    assert.equal(api.webUrl, bitbucket.url);
    assert.equal(new BitbucketApi({ apiUrl: bitbucket.apiUrl, auth: { token: 'x' } }).flavor, 'cloud');
  });

  it('changedFiles: the changes and one raw diff, split per file (two requests for six files)', async () => {
    const { files, truncated, requests } = await verbs.changedFiles(pr, 10);
    assert.equal(truncated, false);
    assert.equal(requests, 2);
    assert.deepEqual(sent(), [`GET ${R}/pull-requests/7/changes?limit=500`, `GET ${R}/pull-requests/7.diff`]);
    const by = new Map(files.map((f) => [f.filename, f]));
    assert.deepEqual(by.get('src/a.ts'), {
      filename: 'src/a.ts',
      status: 'modified',
      additions: 2,
      deletions: 1,
      patch: PATCH_A,
    });
    assert.equal(by.get('docs/new.md')!.patch, PATCH_NEW);
    assert.deepEqual([by.get('old.txt')!.status, by.get('old.txt')!.deletions], ['removed', 1]);
    assert.deepEqual(
      [by.get('lib/moved.ts')!.status, by.get('lib/moved.ts')!.previous_filename, by.get('lib/moved.ts')!.patch],
      ['renamed', 'lib/old.ts', undefined],
    );
    assert.equal(by.get('dir/ü file.txt')!.patch, '@@ -0,0 +1 @@\n+unicode\n');
  });

  it('changedFiles pages by start/limit until isLastPage and stops at maxPages, saying it was cut', async () => {
    s.addPullRequest('PROJ/app', {
      id: 20,
      author: 'alice',
      sourceCommit: 'f'.repeat(40),
      changes: Array.from({ length: 1200 }, (_, i) => ({
        path: `f/${i}.ts`,
        status: 'added' as const,
        patch: '@@ -0,0 +1 @@\n+x\n',
      })),
    });
    const all = await verbs.changedFiles({ ...repo, number: 20 }, 10);
    assert.equal(all.files.length, 1200);
    assert.equal(new Set(all.files.map((f) => f.filename)).size, 1200);
    assert.equal(all.truncated, false);
    assert.equal(all.requests, 4, 'three pages of 500 and one diff');
    assert.deepEqual(sent().slice(1, 3), [
      `GET ${R}/pull-requests/20/changes?limit=500&start=500`,
      `GET ${R}/pull-requests/20/changes?limit=500&start=1000`,
    ]);
    bitbucket.reset();
    const cut = await verbs.changedFiles({ ...repo, number: 20 }, 1);
    assert.deepEqual([cut.files.length, cut.truncated], [500, true]);
  });

  it('filesAt: each file at the commit (raw ?at=), null when missing, binary or too large', async () => {
    const { contents, requests } = await verbs.filesAt(
      repo,
      HEAD,
      ['src/a.ts', 'dir/ü file.txt', 'nope.ts', 'bin/blob.bin', 'docs/new.md'],
      20,
    );
    assert.equal(requests, 5);
    assert.deepEqual(Object.fromEntries(contents), {
      'src/a.ts': null, // 32 bytes > 20
      'dir/ü file.txt': 'unicode\n',
      'nope.ts': null,
      'bin/blob.bin': null,
      'docs/new.md': '# New\ntext\n',
    });
    assert.ok(sent().includes(`GET ${R}/raw/dir/%C3%BC%20file.txt?at=${HEAD}`));
  });

  it('head: the pull request’s fromRef.latestCommit and state', async () => {
    assert.deepEqual(await verbs.head(pr), { sha: HEAD, state: 'open' });
    s.pullRequest('PROJ/app', 8)!.state = 'MERGED';
    assert.deepEqual(await verbs.head({ ...repo, number: 8 }), { sha: 'e'.repeat(40), state: 'merged' });
    s.pullRequest('PROJ/app', 8)!.state = 'OPEN';
  });

  it('postComment stored then 500: the retry finds it in the activity by its marker, one comment', async () => {
    const before = botComments().length;
    const c = await storedThenRetried(() => verbs.postComment(pr, 'hello once'), /POST .*\/comments$/);
    const mine = botComments().slice(before);
    assert.equal(mine.length, 1);
    assert.equal(mine[0]!.id, c.id);
    assert.ok(mine[0]!.raw.startsWith('hello once'));
    assert.ok(mine[0]!.raw.includes(operationMarker(await attempt(1, async () => currentOperation().key))));
    assert.equal(c.url, `${bitbucket.url}/projects/PROJ/repos/app/pull-requests/7/overview?commentId=${c.id}`);
    assert.ok(sent().some((r) => r.startsWith(`GET ${R}/pull-requests/7/activities?limit=100`)));
  });

  it('upsertMarkedComment edits the bot’s own marked comment at its version, never another account’s', async () => {
    const marker = '<!-- aof-gate-check:dc-unit -->';
    s.comments.push({
      id: 1,
      repo: 'PROJ/app',
      prId: 7,
      raw: `fake ${marker}`,
      userUuid: s.mustUser('alice').uuid,
      deleted: false,
      createdOn: new Date().toISOString(),
      updatedOn: new Date().toISOString(),
      version: 0,
    });
    const first = await verbs.upsertMarkedComment(pr, marker, `one ${marker}`);
    assert.equal(first.created, true);
    const second = await verbs.upsertMarkedComment(pr, marker, `two ${marker}`);
    assert.deepEqual([second.created, second.id], [false, first.id]);
    assert.deepEqual(
      botComments()
        .filter((c) => c.raw.includes(marker))
        .map((c) => [c.raw, c.version]),
      [[`two ${marker}`, 1]],
    );
    assert.equal(s.comments.find((c) => c.id === 1)!.raw, `fake ${marker}`);
    // Known id, first attempt: read at its version and edited, without a lookup.
    bitbucket.reset();
    await verbs.upsertMarkedComment(pr, marker, `three ${marker}`, first.id);
    assert.deepEqual(sent(), [
      `GET ${R}/pull-requests/7/comments/${first.id}`,
      `PUT ${R}/pull-requests/7/comments/${first.id}`,
    ]);
    await verbs.updateComment(pr, first.id, 'four');
    assert.deepEqual(
      [botComments().find((c) => c.id === first.id)!.raw, botComments().find((c) => c.id === first.id)!.version],
      ['four', 3],
    );
  });

  it('the check: a build status keyed by its name, INPROGRESS then FAILED; findings as an Insights report with annotations, each once across retries', async () => {
    const { key, id } = checkKey(GATE);
    const created = await verbs.createCheck(repo, { name: GATE, headSha: HEAD, status: 'in_progress' });
    assert.equal(created.id, id);
    assert.ok(sent().includes(`POST ${R}/commits/${HEAD}/builds`));
    assert.deepEqual(await verbs.checkById(repo, HEAD, id), { name: GATE, state: 'INPROGRESS' });
    assert.equal(await verbs.checkDone(repo, HEAD, GATE), false);
    const findings: LineFinding[] = Array.from({ length: 150 }, (_, i) => ({
      path: 'src/a.ts',
      start_line: i + 1,
      end_line: i + 1,
      annotation_level: i === 1 ? 'failure' : 'notice',
      title: `finding ${i}`,
      message: `message ${i}`,
    }));
    const update = (annotationsBefore = 0) =>
      verbs.updateCheck(repo, {
        checkId: id,
        name: GATE,
        headSha: HEAD,
        number: 7,
        status: 'completed',
        conclusion: 'failure',
        output: { title: 'Failed', summary: 'one critical', annotations: findings },
        annotationsBefore,
      });
    // The second batch of annotations is stored and answered 500, twice: the retries write each finding once.
    bitbucket.failAfterWrite(1, 'status500', /POST .*\/annotations$/);
    await assert.rejects(
      attempt(1, () => update()),
      (e: ApplicationFailure) => e.type === 'BitbucketUnavailable',
    );
    bitbucket.failAfterWrite(1, 'status500', /POST .*\/annotations$/);
    await assert.rejects(attempt(2, () => update()));
    await attempt(3, () => update());
    const status = s.statuses.filter((x) => x.key === key && x.commit === HEAD);
    assert.equal(status.length, 1, 'one status, overwritten by key');
    assert.deepEqual(
      [status[0]!.name, status[0]!.state, status[0]!.history],
      [GATE, 'FAILED', ['INPROGRESS', 'FAILED']],
    );
    const report = s.reports.find((r) => r.id === key && r.commit === HEAD)!;
    assert.equal(report.fields.result, 'FAIL');
    const ids = () => [...report.annotations.values()].map((a) => a.externalId);
    assert.equal(ids().length, 150, 'each finding once');
    assert.equal(new Set(ids()).size, 150);
    const a = [...report.annotations.values()].find((x) => x.line === 2)!;
    assert.deepEqual([a.path, a.severity, a.message], ['src/a.ts', 'HIGH', 'finding 1: message 1']);
    // A later update (findings already there) adds only those not there yet.
    bitbucket.reset();
    await update(150);
    assert.equal(ids().length, 150, 'nothing added twice');
    assert.ok(!sent().some((r) => r.startsWith('POST') && r.endsWith('/annotations')));
    assert.equal(await verbs.checkDone(repo, HEAD, GATE), true);
    assert.equal(await verbs.checkDone(repo, HEAD, 'another'), false);
  });

  it('submitReview APPROVE: the bot’s participant status, once across a retry; its own pull request refused, final', async () => {
    const approve = () => verbs.submitReview(pr, { body: 'LGTM', event: 'APPROVE' });
    await storedThenRetried(approve, /\/participants\/aofbot$/, 'act-approve');
    assert.equal(s.pullRequest('PROJ/app', 7)!.participants.get(bot().uuid), 'approved');
    assert.equal(botComments().filter((c) => c.raw.startsWith('LGTM')).length, 1);
    assert.ok(sent().includes(`PUT ${R}/pull-requests/7/participants/aofbot`));
    await assert.rejects(
      verbs.submitReview({ ...repo, number: 8 }, { body: 'x', event: 'APPROVE' }),
      (e: ApplicationFailure) => e.type === 'Bitbucket409' && e.nonRetryable === true && /author/.test(e.message),
    );
  });

  it('mayApprove: listed accounts, or an effective repository permission at least minPermission', async () => {
    assert.deepEqual(await verbs.mayApprove(repo, { login: 'rita', approvers: ['Rita'] }), {
      allowed: true,
      via: 'listed as Rita',
      permission: 'read',
    });
    assert.deepEqual(await verbs.mayApprove(repo, { login: 'walt', approvers: [], minPermission: 'write' }), {
      allowed: true,
      via: 'write permission',
      permission: 'write',
    });
    assert.deepEqual(await verbs.mayApprove(repo, { login: 'rita', approvers: [], minPermission: 'write' }), {
      allowed: false,
      permission: 'read',
    });
    // A name that only contains another's is nobody.
    assert.deepEqual(await verbs.mayApprove(repo, { login: 'wal', approvers: [], minPermission: 'read' }), {
      allowed: false,
      permission: 'none',
    });
    assert.ok(
      sent().some((r) =>
        r.startsWith(
          'GET /rest/api/1.0/users?filter=walt&permission=REPO_ADMIN&permission.projectKey=PROJ&permission.repositorySlug=app',
        ),
      ),
    );
  });

  it('botIdentity: the user Data Center names in X-AUSERNAME, asked once per client, Basic or Bearer', async () => {
    assert.deepEqual(await verbs.botIdentity(repo), { login: 'aofbot' });
    await verbs.botIdentity(repo);
    assert.deepEqual(sent(), ['GET /rest/api/1.0/application-properties', 'GET /rest/api/1.0/users?filter=aofbot']);
    const bearer = createBitbucketVerbs(
      () => new BitbucketApi({ apiUrl: bitbucket.dataCenterApiUrl, auth: { token: 'bearer-alice' } }),
    );
    assert.deepEqual(await bearer.botIdentity(repo), { login: 'alice' });
  });

  it('failures are typed: 401 and 404 final with Data Center’s message, 429 after Retry-After, 5xx retried', async () => {
    const stranger = new BitbucketApi({ apiUrl: bitbucket.dataCenterApiUrl, auth: { token: 'wrong' } });
    await assert.rejects(
      stranger.user(),
      (e: ApplicationFailure) => e.type === 'Bitbucket401' && e.nonRetryable && /Authentication failed/.test(e.message),
    );
    await assert.rejects(
      verbs.head({ ...repo, repo: 'secret', number: 1 }),
      (e: ApplicationFailure) => e.type === 'Bitbucket404' && /Repository PROJ\/secret not found/.test(e.message),
    );
    await assert.rejects(
      verbs.head({ ...repo, number: 999 }),
      (e: ApplicationFailure) => e.type === 'Bitbucket404' && /Pull request 999/.test(e.message),
    );
    bitbucket.rateLimit(1, 7);
    await assert.rejects(
      verbs.head(pr),
      (e: ApplicationFailure) => e.type === 'BitbucketRateLimited' && e.nextRetryDelay === 7000,
    );
    bitbucket.failNext(1, 503);
    await assert.rejects(
      verbs.head(pr),
      (e: ApplicationFailure) => e.type === 'BitbucketUnavailable' && !e.nonRetryable,
    );
    assert.deepEqual(await verbs.head(pr), { sha: HEAD, state: 'open' });
  });

  it('clients: a Data Center api_url gives a Data Center client (no longer refused)', () => {
    const res = {
      triggers: [],
      daemon: {
        spec: { platforms: { bitbucket: { api_url: 'https://git.example.test/rest/api/1.0', oauth_token_env: 'T' } } },
      },
    } as unknown as Resources;
    const client = bitbucketClients(res, { T: 'tok' })({ forge: 'bitbucket', owner: 'PROJ', repo: 'x' });
    assert.equal(client.flavor, 'data-center');
    assert.equal(client.repo({ forge: 'bitbucket', owner: 'PROJ', repo: 'x' }), '/api/1.0/projects/PROJ/repos/x');
  });
});
