// The shipped configuration (daemon.yaml, triggers/) on GitLab: a merge request opened, pushed to or
// asked to `/review` goes to the AFA gate, and an edit of its title goes nowhere new (the gate sees the
// head it reviewed).
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { gitlabExample } from '../../src/forges/gitlab/examples/index.js';
import { gitlabForgeEvent } from '../../src/forges/gitlab/event.js';
import { normalizeGitLabEvent } from '../../src/forges/gitlab/webhook.js';
import { routeEvent } from '../../src/routing/route.js';

describe('the shipped configuration on GitLab', () => {
  const res = loadConfig(resolve(import.meta.dirname, '../../daemon.yaml'));
  const triggers = res.triggers.map((t) => t.resource);
  const route = (hook: string, name: string, edit?: (p: any) => void) => {
    const payload = gitlabExample(name);
    edit?.(payload);
    return routeEvent(triggers, gitlabForgeEvent(normalizeGitLabEvent(hook, payload)), ['aofbot']);
  };

  it('serves POST /webhook/gitlab with the variables `npm start` sets', () => {
    const gitlab = res.daemon.spec.platforms.gitlab!;
    assert.equal(gitlab.enabled, true);
    assert.equal(gitlab.token_env, 'GITLAB_TOKEN');
    assert.equal(gitlab.webhook_secret_env, 'GITLAB_WEBHOOK_SECRET');
  });

  it('opened, pushed to and /review: the AFA gate', () => {
    for (const d of [
      route('Merge Request Hook', 'merge_request.open'),
      route('Merge Request Hook', 'merge_request.update.commits'),
      route('Note Hook', 'note.merge_request', (p) => (p.object_attributes.note = '/review')),
    ]) {
      assert.equal(d.matched, true, JSON.stringify(d));
      assert.equal(d.trigger, 'gitlab-mr-gate');
      assert.deepEqual(d.target, { kind: 'gate', name: 'afa' });
    }
  });

  it('a merge, or a note that is no command, starts nothing', () => {
    assert.equal(route('Merge Request Hook', 'merge_request.merge').matched, false);
    assert.equal(
      route('Note Hook', 'note.merge_request', (p) => (p.object_attributes.note = 'looks good')).matched,
      false,
    );
  });
});
