// The shipped configuration (daemon.yaml, triggers/) on Bitbucket: a pull request created, pushed to or
// asked to `/review` goes to the AFA gate (an edit of its title too, and the gate, which reviews each source
// commit once, reviews nothing new); a merge or a comment that is no command starts nothing.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { bitbucketExample } from '../../src/forges/bitbucket/examples/index.js';
import { bitbucketForgeEvent } from '../../src/forges/bitbucket/event.js';
import { normalizeBitbucketEvent } from '../../src/forges/bitbucket/webhook.js';
import { routeEvent } from '../../src/routing/route.js';

describe('the shipped configuration on Bitbucket', () => {
  const res = loadConfig(resolve(import.meta.dirname, '../../daemon.yaml'));
  const triggers = res.triggers.map((t) => t.resource);
  const route = (key: string, edit?: (p: any) => void) => {
    const payload = bitbucketExample(key);
    edit?.(payload);
    return routeEvent(triggers, bitbucketForgeEvent(normalizeBitbucketEvent(key, payload)), ['aofbot']);
  };

  it('serves POST /webhook/bitbucket with the variables `npm start` sets', () => {
    const bitbucket = res.daemon.spec.platforms.bitbucket!;
    assert.equal(bitbucket.enabled, true);
    assert.equal(bitbucket.username_env, 'BITBUCKET_USERNAME');
    assert.equal(bitbucket.app_password_env, 'BITBUCKET_APP_PASSWORD');
    assert.equal(bitbucket.webhook_secret_env, 'BITBUCKET_WEBHOOK_SECRET');
  });

  it('created, pushed to and /review: the AFA gate', () => {
    for (const d of [
      route('pullrequest:created'),
      route('pullrequest:updated'),
      route('pullrequest:comment_created', (p) => (p.comment.content.raw = '/review')),
    ]) {
      assert.equal(d.matched, true, JSON.stringify(d));
      assert.equal(d.trigger, 'bitbucket-pr-gate');
      assert.deepEqual(d.target, { kind: 'gate', name: 'afa' });
    }
  });

  it('a merge, or a comment that is no command, starts nothing', () => {
    assert.equal(route('pullrequest:fulfilled').matched, false);
    assert.equal(route('pullrequest:comment_created', (p) => (p.comment.content.raw = 'looks good')).matched, false);
  });
});
