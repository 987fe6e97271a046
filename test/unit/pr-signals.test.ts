// What reaches the flows running on a pull or merge request, read from the forge-neutral event each
// adapter makes: `/approve` and `/reject` (never from a bot), new commits (headChanged) and closing
// (prClosed), the same on GitHub and GitLab; and the flow ids that address them, apart per forge.
import assert from 'node:assert/strict';
import { example } from '../../src/fixtures/webhook-examples.js';
import { githubEvent } from '../../src/forges/github/event.js';
import { gitlabExample } from '../../src/forges/gitlab/examples/index.js';
import { gitlabForgeEvent } from '../../src/forges/gitlab/event.js';
import { normalizeGitLabEvent } from '../../src/forges/gitlab/webhook.js';
import { prSignalOf } from '../../src/ingress/pr-signals.js';
import { changeFlowsPrefix, repositoryKey } from '../../src/temporal/workflow-ids.js';
import { flowRunWorkflowId } from '../../workflows/routed-event.js';

const fixture = (name: string) => structuredClone(gitlabExample(name)) as Record<string, any>;
const hook: Record<string, string> = { merge_request: 'Merge Request Hook', note: 'Note Hook' };
const gitlab = (payload: Record<string, any>) =>
  gitlabForgeEvent(normalizeGitLabEvent(hook[payload.object_kind]!, payload));
const note = (body: string, user = { id: 7, username: 'alice' }) => {
  const p = fixture('note.merge_request');
  p.object_attributes.note = body;
  p.user = { ...p.user, ...user };
  return gitlab(p);
};

describe('signals to running flows, from the forge-neutral event', () => {
  describe('GitLab', () => {
    it('`/approve` in a note on a merge request: an approval by the note author, with their user id', () => {
      const p = fixture('note.merge_request');
      const t = prSignalOf(note('/approve looks good'), 'd1', ['aofbot']);
      assert.deepEqual(t, {
        forge: 'gitlab',
        repo: 'gitlab-org/gitlab-test',
        number: p.merge_request.iid,
        consumes: true,
        signal: {
          name: 'approval',
          reply: true,
          arg: {
            deliveryId: 'd1',
            commentId: p.object_attributes.id,
            login: 'alice',
            senderId: 7,
            decision: 'approve',
            reason: 'looks good',
          },
        },
      });
      assert.equal(
        (prSignalOf(note('/reject not now'), 'd2', [])?.signal.arg as { decision?: string }).decision,
        'reject',
      );
    });

    it('bots never approve: this bot, GitLab bot users, a note carrying the product marker', () => {
      assert.equal(prSignalOf(note('/approve', { id: 3, username: 'aofbot' }), 'd', ['aofbot']), undefined);
      assert.equal(prSignalOf(note('/approve', { id: 4, username: 'project_12_bot_3f2a' }), 'd', []), undefined);
      assert.equal(prSignalOf(note('/approve\n<!-- aof:op=x -->'), 'd', []), undefined);
      // Not the command: a longer word, or text before it.
      assert.equal(prSignalOf(note('/approved'), 'd', []), undefined);
      assert.equal(prSignalOf(note('ok /approve'), 'd', []), undefined);
    });

    it('new commits on the merge request void approvals; an edit does not; merge and close end the flows', () => {
      const pushed = prSignalOf(gitlab(fixture('merge_request.update.commits')), 'd', []);
      assert.deepEqual(pushed?.signal, {
        name: 'headChanged',
        reply: false,
        arg: { sha: fixture('merge_request.update.commits').object_attributes.last_commit.id, deliveryId: 'd' },
      });
      assert.equal(pushed?.forge, 'gitlab');
      assert.equal(pushed?.consumes, false);
      assert.equal(prSignalOf(gitlab(fixture('merge_request.update.edit')), 'd', []), undefined);
      for (const action of ['merge', 'close'])
        assert.equal(prSignalOf(gitlab(fixture(`merge_request.${action}`)), 'd', [])?.signal.name, 'prClosed');
      assert.equal(prSignalOf(gitlab(fixture('merge_request.open')), 'd', []), undefined);
    });

    it("the merge request's author is known by user id (author_id), never by a name", () => {
      const p = fixture('note.merge_request');
      assert.equal(gitlab(p).changeAuthorId, p.merge_request.author_id);
      assert.equal(gitlab(fixture('merge_request.open')).changeAuthorId, 51);
    });
  });

  describe('GitHub (as before the port)', () => {
    const repo = { owner: 'myorg', repo: 'api', fullName: 'myorg/api', number: 9, installationBound: false };
    const verified = (headSha?: string) => ({ ...repo, tenant: { kind: 'global' } as never, headSha });

    it('`/approve` on a pull request: an approval by login, without a user id', () => {
      const c = example('issue_comment', 'created');
      c.issue.pull_request = { url: 'x' };
      c.comment.body = '/approve';
      c.sender.login = 'alice';
      const t = prSignalOf(githubEvent('issue_comment', c, verified()), 'g1', ['aof[bot]']);
      assert.equal(t?.forge, 'github');
      assert.equal(t?.repo, 'myorg/api');
      assert.deepEqual(t?.signal.arg, {
        deliveryId: 'g1',
        commentId: c.comment.id,
        login: 'alice',
        decision: 'approve',
      });
      // On an issue, or edited: nothing.
      assert.equal(
        prSignalOf(githubEvent('issue_comment', { ...c, issue: { number: 9 } }, verified()), 'g', []),
        undefined,
      );
      assert.equal(
        prSignalOf(githubEvent('issue_comment', { ...c, action: 'edited' }, verified()), 'g', []),
        undefined,
      );
    });

    it('synchronize is headChanged with the verified head; closed is prClosed', () => {
      const pr = example('pull_request', 'opened');
      const sha = 'c'.repeat(40);
      const sync = prSignalOf(githubEvent('pull_request', { ...pr, action: 'synchronize' }, verified(sha)), 'g', []);
      assert.deepEqual(sync?.signal.arg, { sha, deliveryId: 'g' });
      assert.equal(
        prSignalOf(githubEvent('pull_request', { ...pr, action: 'closed' }, verified(sha)), 'g', [])?.signal.name,
        'prClosed',
      );
    });
  });

  it('flow ids: GitHub as they always were; GitLab with its forge, never those of a GitHub repository', () => {
    assert.equal(flowRunWorkflowId('myorg/api', 9, 'd', 'deploy', 'production'), 'flow/myorg/api#9/deploy/production');
    const gl = flowRunWorkflowId('myorg/api', 9, 'd', 'deploy', 'production', 'gitlab');
    assert.equal(gl, 'flow/gitlab:myorg/api#9/deploy/production');
    assert.ok(gl.startsWith(`${changeFlowsPrefix('myorg/api', 9, 'gitlab')}/`));
    assert.ok(!gl.startsWith(`${changeFlowsPrefix('myorg/api', 9)}/`));
    assert.equal(repositoryKey('group/sub/app', 'gitlab'), 'gitlab:group/sub/app');
    assert.equal(repositoryKey('myorg/api'), 'myorg/api');
  });
});
