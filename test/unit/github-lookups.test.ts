// The product's GitHub lookups and writes against a sandbox that pages and refuses as GitHub does
// (issue 23, item 7): a lookup reads every page, not just the first 100 runs, and a write sends only the
// fields GitHub takes.
import assert from 'node:assert/strict';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createOctokit } from '../../src/forges/github/client.js';
import { GitHubSandbox } from '../../src/sandbox/github/server.js';
import { createGitHubActivities } from '../../activities/forge/index.js';
import { createCheckRun, createComment } from '../../src/forges/github/idempotent-writes.js';

describe('GitHub lookups beyond the first page', () => {
  const sandbox = new GitHubSandbox();
  let gh: ReturnType<typeof createOctokit>;
  const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
  before(async () => {
    await sandbox.start();
    gh = createOctokit(sandbox.url, 'ghs_installation');
  });
  after(() => sandbox.stop());
  beforeEach(() => sandbox.reset());

  /** `n` runs of `name` on `sha`, oldest first; `first` is the oldest run's fields. */
  const seedRuns = async (sha: string, name: string, n: number, first: Record<string, unknown>) => {
    await gh.checks.create({ owner: 'o', repo: 'r', name, head_sha: sha, ...first });
    for (let i = 1; i < n; i++)
      await gh.checks.create({ owner: 'o', repo: 'r', name, head_sha: sha, conclusion: 'cancelled' });
  };

  it("the gate's check lookup finds a completed run behind 100 newer cancelled ones", async () => {
    await seedRuns('sha1', 'aof/gate', 101, { conclusion: 'success' });
    const activities = createGitHubActivities(() => gh);
    const done = await new MockActivityEnvironment({}, { logger: quiet }).run(() =>
      activities.gateCheckDone({ owner: 'o', repo: 'r', headSha: 'sha1', name: 'aof/gate' }),
    );
    assert.equal(done, true);
  });

  it('a retried check-run create finds its earlier write on a later page instead of writing it again', async () => {
    await seedRuns('sha2', 'aof/gate', 120, { external_id: 'op-1', status: 'in_progress' });
    const retry = new MockActivityEnvironment({ attempt: 2 }, { logger: quiet });
    const run = (await retry.run(() =>
      createCheckRun(gh, { owner: 'o', repo: 'r' }, { name: 'aof/gate', head_sha: 'sha2', external_id: 'op-1' }),
    )) as { status: string };
    assert.equal(run.status, 'in_progress');
    assert.equal(sandbox.checkRuns.length, 120, 'not created twice');
  });

  it("writes send only GitHub's fields, whatever else the activity's input holds", async () => {
    sandbox.addIssue('o', 'r', 5);
    const input = { owner: 'o', repo: 'r', installationId: 7, issueNumber: 5, headSha: 'sha3', detailsUrl: 'x' };
    await createComment(gh, input, 5, 'hello');
    await createCheckRun(gh, input, { name: 'aof/gate', head_sha: 'sha3', status: 'queued' });
    assert.deepEqual(sandbox.violations, []);
    assert.equal(sandbox.checkRuns.length, 1);
  });
});
