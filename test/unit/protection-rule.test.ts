// Custom deployment protection rules, the pure parts: what the ingress takes from a request (the run id
// only from a callback URL on the configured GitHub API and of the verified repository), the identity and
// context of the event, commit comments as approvals, the answer's decision, the approval's 30-day window,
// and the sandbox's endpoint as GitHub answers it.
import assert from 'node:assert/strict';
import { createOctokit } from '../../src/forges/github/client.js';
import { githubEvent } from '../../src/forges/github/event.js';
import { protectionRuleOf } from '../../src/forges/github/protection-rule.js';
import { example, retarget } from '../../src/fixtures/webhook-examples.js';
import { verifiedIdentity } from '../../src/ingress/identity.js';
import { prSignalOf } from '../../src/ingress/pr-signals.js';
import { GitHubSandbox } from '../../src/sandbox/github/server.js';
import {
  ANSWER_MARGIN_MS,
  PROTECTION_WINDOW_MS,
  clampedApproval,
  protectionVerdict,
} from '../../workflows/protection-rule.js';
import { protectionRuleRequest } from '../../src/fixtures/protection-rule-request.js';

const SHA = 'a'.repeat(40);
const request = (apiOrigin = 'https://api.github.com', pr = true) =>
  protectionRuleRequest({
    repo: 'acme/api',
    runId: 4711,
    environment: 'production',
    sha: SHA,
    apiOrigin,
    ...(pr ? { pr: { number: 12, author: 'octocat' } } : {}),
  });
const identityOf = (p: Record<string, any>) => {
  const r = verifiedIdentity({ kind: 'global' }, 'deployment_protection_rule', p, new Set());
  assert.ok('identity' in r, JSON.stringify(r));
  return r.identity;
};

describe('custom deployment protection rules', () => {
  describe('the request the ingress takes', () => {
    it('takes the run from a callback URL on the configured API, for the verified repository', () => {
      const p = request();
      assert.deepEqual(protectionRuleOf(p, 'https://api.github.com', identityOf(p)), {
        runId: 4711,
        environment: 'production',
        sha: SHA,
        event: 'pull_request',
        ref: 'master',
      });
      // GitHub Enterprise Server: the API's path prefix is part of the callback's.
      const ghes = request('https://ghe.example.com/api/v3');
      const rule = protectionRuleOf(ghes, 'https://ghe.example.com/api/v3/', identityOf(ghes));
      assert.equal('runId' in rule && rule.runId, 4711);
    });

    it('refuses a callback on another host, of another repository, or not the documented endpoint', () => {
      const refused = (p: Record<string, any>, api = 'https://api.github.com') => {
        const r = protectionRuleOf(p, api, identityOf(p));
        return 'refused' in r ? r.refused : undefined;
      };
      assert.match(refused(request('https://evil.example'))!, /not on the configured GitHub API/);
      assert.match(refused(request('https://api.github.com.evil.example'))!, /not on the configured GitHub API/);
      assert.match(refused(request(), 'https://ghe.example.com/api/v3')!, /not on the configured GitHub API/);
      const other = request();
      other.deployment_callback_url = other.deployment_callback_url.replace('/acme/api/', '/acme/other/');
      assert.match(refused(other)!, /another repository/);
      for (const url of [
        'https://api.github.com/repos/acme/api/actions/runs/4711/approve',
        'https://api.github.com/repos/acme/api/actions/runs/x/deployment_protection_rule',
        'https://api.github.com/repos/acme/api/actions/runs/4711/deployment_protection_rule?host=evil',
        'not a url',
      ]) {
        const p = request();
        p.deployment_callback_url = url;
        assert.ok(refused(p), url);
      }
      const noEnv = request();
      noEnv.environment = 'prod\nuction';
      assert.match(refused(noEnv)!, /environment/);
    });

    it("names the deployment's commit and pull request, whose author may not approve; without one, its starter", () => {
      const p = request();
      const id = identityOf(p);
      assert.deepEqual([id.number, id.headSha], [12, SHA]);
      const ev = githubEvent('deployment_protection_rule', p, id);
      assert.deepEqual(
        [ev.number, ev.headSha, ev.changeAuthor, ev.metadata.pr_number, ev.metadata.pr_head_sha],
        [12, SHA, 'octocat', 12, SHA],
      );
      const push = request(undefined, false);
      const pushEvent = githubEvent('deployment_protection_rule', push, identityOf(push));
      assert.deepEqual([pushEvent.number, pushEvent.changeAuthor], [undefined, 'carol']);
      const bad = request();
      bad.deployment.sha = 'not-a-sha';
      assert.ok('refused' in verifiedIdentity({ kind: 'global' }, 'deployment_protection_rule', bad, new Set()));
    });

    it('reads /approve on a commit as an approval for the flows on that commit', () => {
      const c = retarget(example('commit_comment', 'created'), 'acme/api');
      Object.assign(c.comment, { commit_id: SHA, body: '/approve', id: 5 });
      c.sender.login = 'alice';
      const signal = prSignalOf(githubEvent('commit_comment', c), 'd-1', 'aofbot[bot]');
      assert.deepEqual(
        [signal?.commit, signal?.number, signal?.consumes, signal?.signal.name],
        [SHA, undefined, true, 'approval'],
      );
      c.comment.body = 'LGTM';
      assert.equal(prSignalOf(githubEvent('commit_comment', c), 'd-2', 'aofbot[bot]'), undefined);
    });
  });

  describe("the flow's answer", () => {
    const approval = (decision: 'approved' | 'rejected' | 'expired', detail?: string) => ({
      decision,
      approvals: decision === 'approved' ? [{ login: 'alice', at: '', sha: SHA, permission: 'write', via: '' }] : [],
      ...(detail ? { detail } : {}),
    });
    it('approves only a flow that succeeded with its approval granted; anything else is rejected, saying why', () => {
      assert.deepEqual(protectionVerdict('f', true, 'completed', approval('approved')), {
        state: 'approved',
        comment: 'Flow f: completed, approved by @alice.',
      });
      assert.equal(protectionVerdict('f', true, 'completed', undefined).state, 'approved');
      // An end node reached after a rejection (a flow without a condition on the approval) rejects.
      assert.deepEqual(protectionVerdict('f', true, 'completed', approval('rejected', 'not now')), {
        state: 'rejected',
        comment: 'Flow f: rejected: not now.',
      });
      assert.equal(
        protectionVerdict('f', false, 'not deployed', approval('expired')).comment,
        'Flow f: the approval request expired without enough approvals.',
      );
      assert.equal(protectionVerdict('f', false, 'failed', undefined).comment, 'Flow f: ended failed.');
    });

    it("cuts an approval's timeout to GitHub's 30 days from the request, and says so", () => {
      const requestedAt = '2026-12-01T00:00:00.000Z';
      const rule = { runId: 9, environment: 'production', sha: SHA, requestedAt };
      const t0 = Date.parse(requestedAt);
      const day = 86_400_000;
      assert.deepEqual(clampedApproval(rule, day, t0), {
        timeoutMs: day,
        note: 'GitHub Actions run 9 waits for this decision.',
      });
      const cut = clampedApproval(rule, 60 * day, t0 + 10 * day);
      assert.equal(cut.timeoutMs, PROTECTION_WINDOW_MS - ANSWER_MARGIN_MS - 10 * day);
      assert.match(
        cut.note,
        /GitHub waits at most 30 days for it, so this request expires in 479 h instead of the configured 1440 h/,
      );
    });
  });

  describe('the sandbox, as GitHub answers the review of a protection rule', () => {
    const sandbox = new GitHubSandbox();
    let gh: ReturnType<typeof createOctokit>;
    before(async () => {
      await sandbox.start();
      gh = createOctokit(sandbox.url, 'ghs_installation');
    });
    after(() => sandbox.stop());
    const review = (run_id: number, body: Record<string, unknown>) =>
      gh
        .request('POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule', {
          owner: 'acme',
          repo: 'api',
          run_id,
          ...body,
        } as never)
        .then(
          (r) => r.status,
          (e: { status: number }) => e.status,
        );

    it('takes one answer per waiting rule: an unknown run is 404, a rule that no longer waits 422', async () => {
      sandbox.addIssuesOf(request(sandbox.url));
      assert.equal(await review(1, { environment_name: 'production', state: 'approved' }), 404);
      assert.equal(await review(4711, { environment_name: 'staging', state: 'approved' }), 422);
      assert.equal(await review(4711, { environment_name: 'production', state: 'maybe' }), 422);
      assert.equal(await review(4711, { environment_name: 'production', comment: 'looking' }), 204);
      assert.equal(await review(4711, { environment_name: 'production', state: 'approved', comment: 'ok' }), 204);
      assert.equal(await review(4711, { environment_name: 'production', state: 'rejected' }), 422);
      assert.deepEqual(
        sandbox.ruleAnswers.map((a) => [a.runId, a.environment, a.state, a.comment]),
        [
          [4711, 'production', undefined, 'looking'],
          [4711, 'production', 'approved', 'ok'],
        ],
      );
    });
  });
});
