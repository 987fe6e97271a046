// The forge port's openChanges (what a Schedule Trigger bound to a gate lists, issue 29) on each adapter against
// its sandbox over real HTTP: only open pull or merge requests, more than one page of them read as the forge
// pages (GitHub's Link header, GitLab's X-Next-Page, Bitbucket Cloud's `next`, Data Center's `start`), cut at
// the limit with what was left out said, and only parameters the forge documents sent.
import assert from 'node:assert/strict';
import { createOctokit } from '../../src/forges/github/client.js';
import { createGitHubVerbs } from '../../src/forges/github/verbs.js';
import { GitLabApi } from '../../src/forges/gitlab/api.js';
import { createGitLabVerbs } from '../../src/forges/gitlab/verbs.js';
import { BitbucketApi } from '../../src/forges/bitbucket/api.js';
import { createBitbucketVerbs } from '../../src/forges/bitbucket/verbs.js';
import type { ForgeTarget } from '../../src/forges/port.js';
import { GitHubSandbox } from '../../src/sandbox/github/server.js';
import { GitLabSandbox } from '../../src/sandbox/gitlab/index.js';
import { BitbucketSandbox } from '../../src/sandbox/bitbucket/index.js';

const sha = (n: number) => n.toString(16).padStart(40, '0');

describe('openChanges on GitHub: GET /pulls?state=open, paged by its Link header', () => {
  const sandbox = new GitHubSandbox();
  const target: ForgeTarget = { owner: 'octo', repo: 'many' };
  let verbs: ReturnType<typeof createGitHubVerbs>;
  before(async () => {
    await sandbox.start();
    const gh = createOctokit(sandbox.url, 'ghs_installation');
    verbs = createGitHubVerbs(() => gh);
    // 230 open pull requests (the higher the number, the more recently updated) and two closed ones.
    for (let n = 1; n <= 232; n++)
      sandbox.addPull('octo', 'many', {
        number: n,
        state: n > 230 ? 'closed' : 'open',
        updated_at: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(),
        created_at: new Date(Date.UTC(2025, 0, 1, 0, 300 - n)).toISOString(),
        head: { sha: sha(n) },
      });
    sandbox.addPull('octo', 'other', { number: 1, state: 'open', head: { sha: sha(999) } });
  });
  after(() => sandbox.stop());
  afterEach(() => assert.deepEqual(sandbox.violations, [], 'only parameters GitHub documents were sent'));

  it('lists the open ones, most recently updated first, across three pages of 100', async () => {
    const all = await verbs.openChanges(target, 500);
    assert.equal(all.changes.length, 230);
    assert.deepEqual(all.changes[0], { number: 230, headSha: sha(230) });
    assert.equal(all.changes.at(-1)!.number, 1);
    assert.ok(!all.changes.some((c) => c.number > 230), 'no closed pull request');
    assert.equal(all.more, false);
    assert.equal(all.total, 230);
    assert.equal(all.requests, 3);
  });

  it('stops at the limit and counts what it left out from the last page', async () => {
    const some = await verbs.openChanges(target, 150);
    assert.deepEqual(
      some.changes.map((c) => c.number),
      Array.from({ length: 150 }, (_, i) => 230 - i),
    );
    assert.equal(some.more, true);
    assert.equal(some.total, 230);
    // Two pages of 100, then the last page (3) to count the rest.
    assert.equal(some.requests, 3);
  });
});

describe('openChanges on GitLab: GET /merge_requests?state=opened, paged by X-Next-Page', () => {
  const gitlab = new GitLabSandbox();
  const s = gitlab.state;
  const target: ForgeTarget = { forge: 'gitlab', owner: 'acme/platform', repo: 'many' };
  let verbs: ReturnType<typeof createGitLabVerbs>;
  before(async () => {
    await gitlab.start();
    s.addUser({ username: 'aofbot', token: 'glpat-bot', bot: true });
    s.addUser({ username: 'alice' });
    s.addProject({ pathWithNamespace: 'acme/platform/many', id: 77 });
    s.addMember(77, 'aofbot', 30);
    for (let iid = 1; iid <= 123; iid++)
      s.addMergeRequest(77, {
        iid,
        author: 'alice',
        headSha: sha(iid),
        baseSha: sha(0),
        state: iid > 120 ? (iid === 121 ? 'merged' : 'closed') : 'opened',
      });
    verbs = createGitLabVerbs(() => new GitLabApi({ apiUrl: gitlab.apiUrl, token: 'glpat-bot' }));
  });
  after(() => gitlab.stop());
  afterEach(() => assert.deepEqual(s.violations, [], 'only parameters GitLab documents were sent'));

  it('lists the opened ones across two pages of 100, with X-Total', async () => {
    const all = await verbs.openChanges(target, 500);
    assert.equal(all.changes.length, 120);
    assert.deepEqual(new Set(all.changes.map((c) => c.number)), new Set(Array.from({ length: 120 }, (_, i) => i + 1)));
    assert.equal(all.changes.find((c) => c.number === 7)!.headSha, sha(7));
    assert.equal(all.more, false);
    assert.equal(all.total, 120);
    assert.equal(all.requests, 2);
  });

  it('stops at the limit and says how many were left out', async () => {
    const some = await verbs.openChanges(target, 30);
    assert.equal(some.changes.length, 30);
    assert.equal(some.more, true);
    assert.equal(some.total, 120);
    assert.equal(some.requests, 1);
  });
});

for (const dataCenter of [false, true])
  describe(`openChanges on Bitbucket ${dataCenter ? 'Data Center: pull-requests?state=OPEN, paged by start' : 'Cloud: pullrequests?state=OPEN, paged by its next link'}`, () => {
    const bitbucket = new BitbucketSandbox();
    const s = bitbucket.state;
    const owner = dataCenter ? 'PROJ' : 'acme';
    const target: ForgeTarget = { forge: 'bitbucket', owner, repo: 'many' };
    let verbs: ReturnType<typeof createBitbucketVerbs>;
    before(async () => {
      await bitbucket.start();
      s.addUser(
        dataCenter
          ? { nickname: 'aofbot', password: 'http-token' }
          : { nickname: 'aofbot', email: 'bot@acme.test', password: 'api-token' },
      );
      s.addUser({ nickname: 'alice' });
      s.addRepository(`${owner}/many`, { aofbot: 'admin', alice: 'write' });
      for (let id = 1; id <= 122; id++) {
        const pr = s.addPullRequest(`${owner}/many`, { id, author: 'alice', sourceCommit: sha(id), changes: [] });
        if (id > 120) pr.state = id === 121 ? 'MERGED' : 'DECLINED';
      }
      const api = new BitbucketApi({
        apiUrl: dataCenter ? bitbucket.dataCenterApiUrl : bitbucket.apiUrl,
        auth: dataCenter
          ? { username: 'aofbot', password: 'http-token' }
          : { username: 'bot@acme.test', password: 'api-token' },
      });
      verbs = createBitbucketVerbs(() => api);
    });
    after(() => bitbucket.stop());
    afterEach(() => assert.deepEqual(s.violations, [], 'only parameters Bitbucket documents were sent'));

    const head = (n: number) => (dataCenter ? sha(n) : sha(n).slice(0, 12));

    it('lists the open ones, newest first, across pages', async () => {
      const all = await verbs.openChanges(target, 500);
      assert.equal(all.changes.length, 120);
      assert.deepEqual(all.changes[0], { number: 120, headSha: head(120) });
      assert.equal(all.changes.at(-1)!.number, 1);
      assert.equal(all.more, false);
      // Cloud: pages of 50 (its most for pull requests); Data Center: pages of 100.
      assert.equal(all.requests, dataCenter ? 2 : 3);
      if (dataCenter) assert.equal(all.total, undefined);
      else assert.equal(all.total, 120);
    });

    it('stops at the limit and says that more are open', async () => {
      const some = await verbs.openChanges(target, 100);
      assert.deepEqual(
        some.changes.map((c) => c.number),
        Array.from({ length: 100 }, (_, i) => 120 - i),
      );
      assert.equal(some.more, true);
      assert.equal(some.requests, dataCenter ? 1 : 2);
      if (!dataCenter) assert.equal(some.total, 120);
    });
  });
