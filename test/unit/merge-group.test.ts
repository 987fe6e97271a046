// A GitHub merge queue's group, from the real merge_group payload: routed to the gate a Trigger binds,
// read from the payload only when its commits are SHAs, and the sandbox's compare with GitHub's limits.
import assert from 'node:assert/strict';
import { createOctokit } from '../../src/forges/github/client.js';
import type { Trigger } from '../../src/config/schema.js';
import { example } from '../../src/fixtures/webhook-examples.js';
import { route, type RouteDecision } from '../../src/routing/route.js';
import { eventBranch, mergeGroupOf } from '../../src/forges/github/event.js';
import { GitHubSandbox } from '../../src/sandbox/github/server.js';
import { comparedFiles } from '../../src/forges/github/verbs.js';
import { queuedPullOf } from '../../workflows/merge-group-review.js';

const trigger = (commands: Trigger['spec']['commands'], events?: string[]): Trigger => ({
  apiVersion: 'aof.dev/v1',
  kind: 'Trigger',
  metadata: { name: 'mq' },
  spec: { type: 'GitHub', config: events ? { github_events: events } : {}, commands, default_agent: 'helper' },
});
const summary = (d: RouteDecision) =>
  d.matched ? `${d.key} -> ${d.target.kind}:${d.target.name}` : `unhandled: ${d.reason}`;
const destroyed = (reason: string) => ({ ...example('merge_group', 'checks_requested'), action: 'destroyed', reason });

describe('merge queue groups', () => {
  it('merge_group.checks_requested binds a gate; destroyed reaches the same gate', () => {
    const t = trigger({ 'merge_group.checks_requested': { gate: 'afa' }, pull_request: { gate: 'other' } });
    const requested = example('merge_group', 'checks_requested');
    assert.equal(summary(route([t], 'merge_group', requested, 'aofbot')), 'merge_group.checks_requested -> gate:afa');
    assert.equal(
      summary(route([t], 'merge_group', destroyed('dequeued'), 'aofbot')),
      'merge_group.checks_requested -> gate:afa',
    );
  });

  it('a trigger taking merge_group events checks the group with the gate it binds, not its default agent', () => {
    const t = trigger({ pull_request: { gate: 'afa' }, '/help': { agent: 'helper' } }, ['pull_request', 'merge_group']);
    assert.equal(
      summary(route([t], 'merge_group', example('merge_group', 'checks_requested'), 'aofbot')),
      'pull_request -> gate:afa',
    );
    // Without a gate, a merge group is like any other event.
    const plain = trigger({ '/help': { agent: 'helper' } });
    assert.equal(
      summary(route([plain], 'merge_group', example('merge_group', 'checks_requested'), 'aofbot')),
      'default_agent -> agent:helper',
    );
  });

  it('a group whose commits are not SHAs is about nothing a gate checks', () => {
    const p = example('merge_group', 'checks_requested');
    p.merge_group.head_sha = 'main; rm -rf /';
    const t = trigger({ 'merge_group.checks_requested': { gate: 'afa' } });
    assert.match(summary(route([t], 'merge_group', p, 'aofbot')), /binds gate "afa", but this merge_group is about no/);
    assert.equal(mergeGroupOf('merge_group', p), undefined);
  });

  it('reads the group, its branch and the last queued pull request from the payload', () => {
    const p = example('merge_group', 'checks_requested');
    assert.deepEqual(mergeGroupOf('merge_group', p), {
      action: 'checks_requested',
      headSha: p.merge_group.head_sha,
      baseSha: p.merge_group.base_sha,
      headRef: p.merge_group.head_ref,
    });
    assert.equal(mergeGroupOf('merge_group', destroyed('merged'))?.reason, 'merged');
    assert.equal(mergeGroupOf('merge_group', destroyed('<script>'))?.reason, undefined, 'a reason GitHub never sends');
    assert.equal(eventBranch('merge_group', p), 'main');
    assert.equal(queuedPullOf(p.merge_group.head_ref), 104);
    assert.equal(queuedPullOf('refs/heads/main'), undefined);
  });

  describe("the sandbox's compare, as GitHub documents it", () => {
    const sandbox = new GitHubSandbox();
    before(() => sandbox.start());
    after(() => sandbox.stop());
    const base = 'a'.repeat(40);
    const head = 'b'.repeat(40);
    const files = Array.from({ length: 320 }, (_, i) => ({
      filename: `f${i}.ts`,
      status: 'added',
      additions: 1,
      deletions: 0,
      patch: '@@ -0,0 +1 @@\n+x',
    }));
    const commits = Array.from({ length: 260 }, (_, i) => ({ sha: `${i}`.padStart(40, 'c'), message: `m${i}` }));

    it('lists at most 250 commits unpaged, the files on the first page only, at most 300', async () => {
      sandbox.addComparison('o', 'r', base, head, commits, files);
      const gh = createOctokit(sandbox.url, 'ghs_installation');
      const whole = await gh.repos.compareCommitsWithBasehead({ owner: 'o', repo: 'r', basehead: `${base}...${head}` });
      assert.equal(whole.data.commits.length, 250);
      assert.equal(whole.data.commits.at(-1)!.sha, commits.at(-1)!.sha, 'the most recent commit last');
      assert.equal(whole.data.files!.length, 300);
      const second = await gh.repos.compareCommitsWithBasehead({
        owner: 'o',
        repo: 'r',
        basehead: `${base}...${head}`,
        per_page: 100,
        page: 2,
      });
      assert.equal(second.data.commits.length, 100);
      assert.deepEqual(second.data.files, []);
      assert.match(String(second.headers.link), /rel="next"/);

      // The product's read: one request, cut at 300 and said so.
      const read = await comparedFiles(gh, { owner: 'o', repo: 'r' }, base, head);
      assert.deepEqual([read.files.length, read.truncated, read.requests], [300, true, 1]);
      assert.deepEqual(sandbox.violations, []);
    });
  });
});
