// The forge clients' connection pool (src/http/forge-http.ts) against the GitLab sandbox over real HTTP:
// a review's burst of writes reuses the pool's connections instead of opening new ones, and an idle
// connection outlives the seconds between two reviews, as GitLab's own servers keep it.
import assert from 'node:assert/strict';
import { request } from 'undici';
import { GitLabApi } from '../../src/forges/gitlab/api.js';
import { CONNECTIONS_PER_ORIGIN } from '../../src/http/forge-http.js';
import { GitLabSandbox } from '../../src/sandbox/gitlab/index.js';
import { ACCESS } from '../../src/sandbox/gitlab/state.js';

describe('forge HTTP pool', () => {
  const gitlab = new GitLabSandbox();
  let api: GitLabApi;
  const notes = '/projects/42/merge_requests/7/notes';

  before(async () => {
    await gitlab.start();
    gitlab.state.addUser({ username: 'aofbot', token: 'glpat-pool', bot: true });
    gitlab.state.addProject({ pathWithNamespace: 'pool/app', id: 42 });
    gitlab.state.addMember(42, 'aofbot', ACCESS.developer);
    gitlab.state.addMergeRequest(42, { iid: 7, author: 'aofbot', headSha: 'a'.repeat(40), baseSha: 'b'.repeat(40) });
    api = new GitLabApi({ apiUrl: gitlab.apiUrl, token: 'glpat-pool' });
  });
  after(() => gitlab.stop());

  /** 50 note POSTs, 16 at once, as the GitLab adapter posts a review's findings. */
  async function burst() {
    let next = 0;
    const lane = async () => {
      while (next < 50) {
        next++;
        await (await api.send('POST', notes, { body: { body: 'a finding' } })).cancel();
      }
    };
    await Promise.all(Array.from({ length: 16 }, lane));
  }

  it('keeps a burst of writes on at most CONNECTIONS_PER_ORIGIN connections, and reuses them', async () => {
    const before = gitlab.connectionsOpened;
    await burst();
    const first = gitlab.connectionsOpened - before;
    assert.ok(first >= 1 && first <= CONNECTIONS_PER_ORIGIN, `first burst opened ${first} connections`);
    await burst();
    await burst();
    assert.equal(gitlab.connectionsOpened - before, first, 'warm bursts opened new connections');
    assert.equal(gitlab.requests.filter((r) => r.method === 'POST' && r.status === 201).length, 150);
  });

  it("announces GitLab's 65 s keep-alive, not Node's 5 s", async () => {
    const res = await request(`${gitlab.apiUrl}/user`, { headers: { 'private-token': 'glpat-pool' } });
    await res.body.dump();
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['keep-alive'], 'timeout=65');
  });
});
