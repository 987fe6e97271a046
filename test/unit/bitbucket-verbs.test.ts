// Bitbucket's forge verbs (issue 27) against the Bitbucket sandbox over real HTTP, on Cloud's 2.0 API and on
// Data Center's REST API 1.0 (the same scenarios on each where the APIs agree, each API's own beside them):
// what each verb sends and reads, that only documented parameters go out (the sandbox refuses and records any
// other), how failures are typed for Temporal (final refusals with the API's message, 429 with Retry-After,
// 5xx), paging (Cloud's `next`, Data Center's `start`/`limit` and `isLastPage`), and that writes Bitbucket
// stored before failing exist once after the activity's retry (attempt 2 of the same activity, run as
// Temporal runs it).
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { currentOperation, operationMarker } from '../../src/forges/operation.js';
import { BitbucketApi } from '../../src/forges/bitbucket/api.js';
import { bitbucketClients } from '../../src/forges/bitbucket/clients.js';
import { splitGitDiff } from '../../src/forges/bitbucket/diff.js';
import { checkKey, createBitbucketVerbs } from '../../src/forges/bitbucket/verbs.js';
import type { Resources } from '../../src/config/load.js';
import type { ChangeTarget, ForgeTarget, LineFinding } from '../../src/forges/port.js';
import { BitbucketSandbox } from '../../src/sandbox/bitbucket/index.js';

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const HEAD = 'a1b2c3d4e5f6'.padEnd(40, '0');
const GATE = 'AFA Gate Check';
const PATCH_A = '@@ -1,3 +1,4 @@\n line one\n-line two\n+line 2\n+line 2b\n line three\n';
const PATCH_NEW = '@@ -0,0 +1,2 @@\n+# New\n+text\n';

/** What differs by API in the scenarios both run: the repository's owner and paths, the bot's login. */
interface Flavor {
  name: 'Cloud' | 'Data Center';
  dataCenter: boolean;
  /** The repository's owner: Cloud's workspace, Data Center's project key. */
  owner: string;
  /** The repository's path in the sandbox's request log. */
  R: string;
  bot: { nickname: string; email?: string; password: string; token: string };
  apiUrl(b: BitbucketSandbox): string;
  /** Basic auth as the API names the bot. */
  basic: { username: string; password: string };
  /** A commit as the verbs are given it: Cloud's payloads abbreviate it to 12 characters, Data Center's do not. */
  sha(full: string): string;
  /** The pull request's resource below R. */
  pulls: string;
  /** A write of a pull request's approval by the bot. */
  approveWrite: RegExp;
}

const FLAVORS: Flavor[] = [
  {
    name: 'Cloud',
    dataCenter: false,
    owner: 'acme',
    R: '/2.0/repositories/acme/app',
    bot: { nickname: 'aofbot', email: 'bot@acme.test', password: 'api-token', token: 'bearer-bot' },
    apiUrl: (b) => b.apiUrl,
    basic: { username: 'bot@acme.test', password: 'api-token' },
    sha: (full) => full.slice(0, 12),
    pulls: 'pullrequests',
    approveWrite: /\/approve$/,
  },
  {
    name: 'Data Center',
    dataCenter: true,
    owner: 'PROJ',
    R: '/rest/api/1.0/projects/PROJ/repos/app',
    bot: { nickname: 'aofbot', password: 'http-token', token: 'bearer-bot' },
    apiUrl: (b) => b.dataCenterApiUrl,
    basic: { username: 'aofbot', password: 'http-token' },
    sha: (full) => full,
    pulls: 'pull-requests',
    approveWrite: /\/participants\/aofbot$/,
  },
];

it('the diff splitter takes git-quoted paths and leaves binary files without a patch', () => {
  const diff =
    'diff --git "a/sp ace\\tx" "b/sp ace\\tx"\nindex 1..2 100644\n--- "a/sp ace\\tx"\n+++ "b/sp ace\\tx"\n@@ -1 +1 @@\n-a\n+b\n' +
    'diff --git a/img.png b/img.png\nnew file mode 100644\nindex 0..1\nBinary files /dev/null and b/img.png differ\n';
  assert.deepEqual([...splitGitDiff(diff)], [['sp ace\tx', '@@ -1 +1 @@\n-a\n+b\n']]);
});

for (const flavor of FLAVORS)
  describe(`Bitbucket ${flavor.name} forge verbs (issue 27)`, () => {
    const { R, pulls } = flavor;
    const FULL = `${flavor.owner}/app`;
    const SHA = flavor.sha(HEAD);
    const bitbucket = new BitbucketSandbox();
    const s = bitbucket.state;
    let api: BitbucketApi;
    let verbs: ReturnType<typeof createBitbucketVerbs>;
    const repo: ForgeTarget = { forge: 'bitbucket', owner: flavor.owner, repo: 'app' };
    const pr: ChangeTarget = { ...repo, number: 7 };

    before(async () => {
      await bitbucket.start();
      s.addUser(flavor.bot);
      s.addUser({ nickname: 'alice', token: 'bearer-alice' });
      s.addUser({ nickname: 'walt' });
      s.addUser({ nickname: 'rita' });
      s.addRepository(FULL, { aofbot: 'admin', alice: 'write', walt: 'write', rita: 'read' });
      s.addPullRequest(FULL, {
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
      s.addPullRequest(FULL, { id: 8, author: 'aofbot', sourceCommit: 'e'.repeat(40), changes: [] });
    });
    after(() => bitbucket.stop());
    beforeEach(() => {
      bitbucket.reset();
      api = new BitbucketApi({ apiUrl: flavor.apiUrl(bitbucket), auth: flavor.basic });
      verbs = createBitbucketVerbs(() => api);
    });
    afterEach(function () {
      if (this.currentTest?.state === 'passed')
        assert.deepEqual(s.violations, [], `only parameters Bitbucket ${flavor.name} documents were sent`);
    });

    const attempt = <T>(n: number, fn: () => Promise<T>, activityId = 'act-1') =>
      new MockActivityEnvironment(
        { attempt: n, activityId, workflowExecution: { workflowId: 'wf', runId: 'run' } },
        { logger: quiet },
      ).run(fn) as Promise<T>;
    const sent = () => bitbucket.requests.map((r) => `${r.method} ${r.path}${r.query ? `?${r.query}` : ''}`);
    const bot = () => s.mustUser('aofbot');
    const botComments = (id = 7) => s.commentsOf(FULL, id).filter((c) => c.userUuid === bot().uuid);
    /** A write Bitbucket stores and then answers 500, then the activity's retry (attempt 2). */
    const storedThenRetried = async <T>(fn: () => Promise<T>, match: RegExp, id = 'act-1') => {
      bitbucket.failAfterWrite(1, 'status500', match);
      await assert.rejects(attempt(1, fn, id), (e: ApplicationFailure) => e.type === 'BitbucketUnavailable');
      assert.equal(bitbucket.afterWriteFaults, 1, 'Bitbucket stored the write and answered 500');
      return attempt(2, fn, id);
    };

    it(`changedFiles: ${flavor.dataCenter ? 'the changes and one raw diff' : 'the diffstat and one diff'}, split per file (two requests for six files)`, async () => {
      const { files, truncated, requests } = await verbs.changedFiles(pr, 10);
      assert.equal(truncated, false);
      assert.equal(requests, 2);
      assert.deepEqual(
        sent(),
        flavor.dataCenter
          ? [`GET ${R}/pull-requests/7/changes?limit=500`, `GET ${R}/pull-requests/7.diff`]
          : [`GET ${R}/pullrequests/7/diffstat`, `GET ${R}/pullrequests/7/diff`],
      );
      const by = new Map(files.map((f) => [f.filename, f]));
      assert.deepEqual(by.get('src/a.ts'), {
        filename: 'src/a.ts',
        status: 'modified',
        additions: 2,
        deletions: 1,
        patch: PATCH_A,
      });
      assert.equal(by.get('docs/new.md')!.patch, PATCH_NEW);
      assert.deepEqual(
        [by.get('old.txt')!.status, by.get('old.txt')!.deletions, by.get('old.txt')!.patch],
        ['removed', 1, '@@ -1 +0,0 @@\n-gone\n'],
      );
      assert.deepEqual(
        [by.get('lib/moved.ts')!.status, by.get('lib/moved.ts')!.previous_filename, by.get('lib/moved.ts')!.patch],
        ['renamed', 'lib/old.ts', undefined],
      );
      assert.equal(by.get('dir/ü file.txt')!.patch, '@@ -0,0 +1 @@\n+unicode\n');
    });

    it(`changedFiles ${flavor.dataCenter ? 'pages by start/limit until isLastPage' : 'follows `next`'} and stops at maxPages, saying it was cut`, async () => {
      s.addPullRequest(FULL, {
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
      if (flavor.dataCenter)
        assert.deepEqual(sent().slice(1, 3), [
          `GET ${R}/pull-requests/20/changes?limit=500&start=500`,
          `GET ${R}/pull-requests/20/changes?limit=500&start=1000`,
        ]);
      else assert.ok(sent()[1]!.includes('page=2'));
      bitbucket.reset();
      const cut = await verbs.changedFiles({ ...repo, number: 20 }, 1);
      assert.deepEqual([cut.files.length, cut.truncated], [500, true]);
    });

    it(`filesAt: each file at the commit (${flavor.dataCenter ? 'raw ?at=' : 'short hash'}), null when missing, binary or too large`, async () => {
      const { contents, requests } = await verbs.filesAt(
        repo,
        SHA,
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
      assert.ok(
        sent().includes(
          flavor.dataCenter
            ? `GET ${R}/raw/dir/%C3%BC%20file.txt?at=${SHA}`
            : `GET ${R}/src/${SHA}/dir/%C3%BC%20file.txt`,
        ),
      );
    });

    it('head: the source commit and state', async () => {
      assert.deepEqual(await verbs.head(pr), { sha: SHA, state: 'open' });
      s.pullRequest(FULL, 8)!.state = 'DECLINED';
      assert.deepEqual(await verbs.head({ ...repo, number: 8 }), { sha: flavor.sha('e'.repeat(40)), state: 'closed' });
      s.pullRequest(FULL, 8)!.state = 'MERGED';
      assert.deepEqual(await verbs.head({ ...repo, number: 8 }), { sha: flavor.sha('e'.repeat(40)), state: 'merged' });
      s.pullRequest(FULL, 8)!.state = 'OPEN';
    });

    it(`postComment stored then 500: the retry finds it ${flavor.dataCenter ? 'in the activity ' : ''}by its marker, one comment`, async () => {
      const before = botComments().length;
      const c = await storedThenRetried(() => verbs.postComment(pr, 'hello once'), /POST .*\/comments$/);
      const mine = botComments().slice(before);
      assert.equal(mine.length, 1);
      assert.equal(mine[0]!.id, c.id);
      assert.ok(mine[0]!.raw.startsWith('hello once'));
      assert.ok(mine[0]!.raw.includes(operationMarker(await attempt(1, async () => currentOperation().key))));
      if (flavor.dataCenter) {
        assert.equal(c.url, `${bitbucket.url}/projects/PROJ/repos/app/pull-requests/7/overview?commentId=${c.id}`);
        assert.ok(sent().some((r) => r.startsWith(`GET ${R}/pull-requests/7/activities?limit=100`)));
      } else {
        assert.match(c.url, /\/acme\/app\/pull-requests\/7\/.*#comment-\d+$/);
        // Pages of comments were asked 100 at a time.
        assert.ok(sent().some((r) => r.includes('/comments?pagelen=100')));
      }
    });

    it('upsertMarkedComment edits the bot’s own marked comment, never another account’s', async () => {
      const marker = '<!-- aof-gate-check:unit -->';
      s.comments.push({
        id: 1,
        repo: FULL,
        prId: 7,
        raw: `fake ${marker}`,
        userUuid: s.mustUser('alice').uuid,
        deleted: false,
        createdOn: new Date().toISOString(),
        updatedOn: new Date().toISOString(),
        ...(flavor.dataCenter ? { version: 0 } : {}),
      });
      const first = await verbs.upsertMarkedComment(pr, marker, `one ${marker}`);
      assert.equal(first.created, true);
      const second = await verbs.upsertMarkedComment(pr, marker, `two ${marker}`);
      assert.deepEqual([second.created, second.id], [false, first.id]);
      const mine = botComments().filter((c) => c.raw.includes(marker));
      assert.deepEqual(
        mine.map((c) => c.raw),
        [`two ${marker}`],
      );
      // Data Center edits a comment at the version it read.
      if (flavor.dataCenter) assert.deepEqual(mine[0]!.version, 1);
      assert.equal(s.comments.find((c) => c.id === 1)!.raw, `fake ${marker}`);
      // Known id, first attempt: edited without a lookup (on Data Center, read at its version first).
      bitbucket.reset();
      await verbs.upsertMarkedComment(pr, marker, `three ${marker}`, first.id);
      assert.deepEqual(sent(), [
        ...(flavor.dataCenter ? [`GET ${R}/pull-requests/7/comments/${first.id}`] : []),
        `PUT ${R}/${pulls}/7/comments/${first.id}`,
      ]);
      // updateComment through its pull request.
      await verbs.updateComment(pr, first.id, 'four');
      const edited = botComments().find((c) => c.id === first.id)!;
      assert.equal(edited.raw, 'four');
      if (flavor.dataCenter) assert.equal(edited.version, 3);
    });

    it(`the check: a build status keyed by its name, INPROGRESS then FAILED; findings as ${flavor.dataCenter ? 'an Insights' : 'a'} report with annotations, each once across retries`, async () => {
      const { key, id } = checkKey(GATE);
      const created = await verbs.createCheck(repo, { name: GATE, headSha: SHA, status: 'in_progress' });
      assert.equal(created.id, id);
      assert.ok(
        sent().includes(
          flavor.dataCenter ? `POST ${R}/commits/${SHA}/builds` : `POST ${R}/commit/${SHA}/statuses/build`,
        ),
      );
      assert.deepEqual(await verbs.checkById(repo, SHA, id), { name: GATE, state: 'INPROGRESS' });
      assert.equal(await verbs.checkDone(repo, SHA, GATE), false);
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
          headSha: SHA,
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
      const ids = () => [...report.annotations.values()].map((a) => (flavor.dataCenter ? a.externalId : a.external_id));
      assert.equal(ids().length, 150, 'each finding once');
      assert.equal(new Set(ids()).size, 150);
      const a = [...report.annotations.values()].find((x) => x.line === 2)!;
      assert.deepEqual(
        [a.path, a.severity, flavor.dataCenter ? a.message : a.summary],
        ['src/a.ts', 'HIGH', 'finding 1: message 1'],
      );
      if (flavor.dataCenter) {
        assert.equal(report.fields.result, 'FAIL');
        // A later update (findings already there) adds only those not there yet.
        bitbucket.reset();
        await update(150);
        assert.equal(ids().length, 150, 'nothing added twice');
        assert.ok(!sent().some((r) => r.startsWith('POST') && r.endsWith('/annotations')));
      } else {
        const posts = bitbucket.requests.filter((r) => r.path.endsWith('/annotations'));
        assert.ok(
          posts.every((r) => (r.body as unknown[]).length <= 100),
          'at most 100 a request',
        );
      }
      assert.equal(await verbs.checkDone(repo, SHA, GATE), true);
      assert.equal(await verbs.checkDone(repo, SHA, 'another'), false);
    });

    it(`submitReview APPROVE: ${flavor.dataCenter ? 'the bot’s participant status' : 'approved'}, once across a retry; its own pull request refused, final`, async () => {
      const approve = () => verbs.submitReview(pr, { body: 'LGTM', event: 'APPROVE' });
      await storedThenRetried(approve, flavor.approveWrite, 'act-approve');
      if (flavor.dataCenter) assert.ok(sent().includes(`PUT ${R}/pull-requests/7/participants/aofbot`));
      else
        assert.equal(
          bitbucket.requests.filter((r) => r.path.endsWith('/approve')).length,
          1,
          'the retry asked, then did not approve again',
        );
      assert.equal(s.pullRequest(FULL, 7)!.participants.get(bot().uuid), 'approved');
      assert.equal(botComments().filter((c) => c.raw.startsWith('LGTM')).length, 1);
      await assert.rejects(
        verbs.submitReview({ ...repo, number: 8 }, { body: 'x', event: 'APPROVE' }),
        (e: ApplicationFailure) =>
          e.nonRetryable === true &&
          (flavor.dataCenter
            ? e.type === 'Bitbucket409' && /author/.test(e.message)
            : e.type === 'Bitbucket400' && /own pull request/.test(e.message)),
      );
    });

    it(`mayApprove: listed accounts, or ${flavor.dataCenter ? 'an effective' : 'a'} repository permission at least minPermission`, async () => {
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
      if (flavor.dataCenter) {
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
      } else {
        assert.deepEqual(
          await verbs.mayApprove(repo, {
            login: 'nobody" OR user.nickname="walt',
            approvers: [],
            minPermission: 'read',
          }),
          { allowed: false, permission: 'none' },
        );
        assert.ok(sent().some((r) => r.includes(encodeURIComponent('user.nickname="walt"'))));
      }
    });

    it(`botIdentity: ${flavor.dataCenter ? 'the user Data Center names in X-AUSERNAME' : 'from GET /user'}, asked once per client, Basic or Bearer`, async () => {
      assert.deepEqual(await verbs.botIdentity(repo), { login: 'aofbot' });
      await verbs.botIdentity(repo);
      assert.deepEqual(
        sent(),
        flavor.dataCenter
          ? ['GET /rest/api/1.0/application-properties', 'GET /rest/api/1.0/users?filter=aofbot']
          : ['GET /2.0/user'],
      );
      const bearer = createBitbucketVerbs(
        () => new BitbucketApi({ apiUrl: flavor.apiUrl(bitbucket), auth: { token: 'bearer-alice' } }),
      );
      assert.deepEqual(await bearer.botIdentity(repo), { login: 'alice' });
    });

    it(`failures are typed: 401 and 404 final with Bitbucket ${flavor.name}’s message, 429 after Retry-After, 5xx retried`, async () => {
      const stranger = new BitbucketApi({ apiUrl: flavor.apiUrl(bitbucket), auth: { token: 'wrong' } });
      await assert.rejects(
        stranger.user(),
        (e: ApplicationFailure) =>
          e.type === 'Bitbucket401' &&
          e.nonRetryable &&
          (!flavor.dataCenter || /Authentication failed/.test(e.message)),
      );
      await assert.rejects(
        verbs.head({ ...repo, repo: 'secret', number: 1 }),
        (e: ApplicationFailure) =>
          e.type === 'Bitbucket404' && e.message.includes(`Repository ${flavor.owner}/secret not found`),
      );
      if (flavor.dataCenter)
        await assert.rejects(
          verbs.head({ ...repo, number: 999 }),
          (e: ApplicationFailure) => e.type === 'Bitbucket404' && /Pull request 999/.test(e.message),
        );
      bitbucket.rateLimit(1, 7);
      await assert.rejects(
        verbs.head(pr),
        (e: ApplicationFailure) => e.type === 'BitbucketRateLimited' && e.nextRetryDelay === 7000,
      );
      bitbucket.rateLimit(1);
      await assert.rejects(
        verbs.head(pr),
        (e: ApplicationFailure) => e.type === 'BitbucketRateLimited' && e.nextRetryDelay === 60_000,
      );
      bitbucket.failNext(1, 503);
      await assert.rejects(
        verbs.head(pr),
        (e: ApplicationFailure) => e.type === 'BitbucketUnavailable' && !e.nonRetryable,
      );
      assert.deepEqual(await verbs.head(pr), { sha: SHA, state: 'open' });
    });

    it('has no labels (Bitbucket pull requests have none)', () => {
      assert.equal(verbs.labels, undefined);
    });

    if (flavor.dataCenter) {
      it('the client speaks Data Center for an api_url ending in /rest/api/1.0', () => {
        assert.equal(api.flavor, 'data-center');
        assert.equal(api.webUrl, bitbucket.url);
        assert.equal(new BitbucketApi({ apiUrl: bitbucket.apiUrl, auth: { token: 'x' } }).flavor, 'cloud');
      });

      it('clients: a Data Center api_url gives a Data Center client (no longer refused)', () => {
        const res = {
          triggers: [],
          daemon: {
            spec: {
              platforms: { bitbucket: { api_url: 'https://git.example.test/rest/api/1.0', oauth_token_env: 'T' } },
            },
          },
        } as unknown as Resources;
        const client = bitbucketClients(res, { T: 'tok' })({ forge: 'bitbucket', owner: 'PROJ', repo: 'x' });
        assert.equal(client.flavor, 'data-center');
        assert.equal(client.repo({ forge: 'bitbucket', owner: 'PROJ', repo: 'x' }), '/api/1.0/projects/PROJ/repos/x');
      });
    } else {
      it('mayApprove: an account listed by its account id or uuid; a nickname two accounts share is no one', async () => {
        const walt = s.mustUser('walt');
        for (const entry of [walt.accountId, walt.uuid, walt.uuid.slice(1, -1).toUpperCase()])
          assert.deepEqual(await verbs.mayApprove(repo, { login: 'walt', approvers: ['someone-else', entry] }), {
            allowed: true,
            via: `listed as ${entry}`,
            permission: 'write',
          });
        // Another account takes the nickname of the admin: neither the admin's permission nor ids speak for it.
        const impostor = s.addUser({ nickname: 'aofbot' });
        s.repositories.get(FULL)!.permissions.set(impostor.uuid, 'read');
        try {
          assert.deepEqual(
            await verbs.mayApprove(repo, {
              login: 'aofbot',
              approvers: [s.mustUser('aofbot').uuid],
              minPermission: 'admin',
            }),
            { allowed: false, permission: 'none' },
          );
        } finally {
          s.repositories.get(FULL)!.permissions.delete(impostor.uuid);
          s.users.delete(impostor.uuid);
        }
      });

      it('clients: the Trigger covering the repository, else the platform; Basic or Bearer', () => {
        const res = {
          triggers: [
            { resource: { spec: { type: 'GitHub', config: {} } } },
            {
              resource: {
                spec: {
                  type: 'Bitbucket',
                  config: {
                    api_url: 'https://api.bitbucket.org/2.0',
                    oauth_token: 't-team',
                    repositories: ['team/*'],
                  },
                },
              },
            },
          ],
          daemon: {
            spec: {
              platforms: {
                bitbucket: { api_url: 'https://api.bitbucket.org/2.0', username_env: 'U', app_password_env: 'P' },
              },
            },
          },
        } as unknown as Resources;
        const clientFor = bitbucketClients(res, { U: 'me@x.test', P: 'tok' });
        const a = clientFor({ forge: 'bitbucket', owner: 'team', repo: 'x' });
        const b = clientFor({ forge: 'bitbucket', owner: 'other', repo: 'y' });
        assert.notEqual(a, b);
        assert.equal(clientFor({ forge: 'bitbucket', owner: 'other', repo: 'z' }), b, 'one client per credentials');
        assert.throws(
          () => bitbucketClients(res, {})({ forge: 'bitbucket', owner: 'other', repo: 'y' }),
          (e: ApplicationFailure) => e.type === 'BitbucketNoCredentials',
        );
      });
    }
  });
