// GitHub App credentials: the worker signs a JWT with the app's private key, exchanges it for an
// installation token at the (sandbox) API, caches it, and acts as the app's bot.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { example } from '../../src/fixtures/webhook-examples.js';
import { agentYaml, configDir, daemonYaml, triggerYaml } from '../harness/config-dir.js';
import { startStack, type Stack } from '../harness/stack.js';

describe('GitHub App installation tokens', function () {
  let stack: Stack;
  let dir: string;
  before(async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    dir = configDir({
      'daemon.yaml': daemonYaml(
        'webhook_secret_env: AOF_TEST_WEBHOOK_SECRET\napp:\n  app_id: 4242\n  private_key_path: ./app-key.pem',
      ),
      'agents/a.yaml': agentYaml('helper'),
      'triggers/t.yaml': triggerYaml('issues', 'config:\n  github_events: [issues]\ndefault_agent: helper'),
    });
    writeFileSync(join(dir, 'app-key.pem'), privateKey.export({ type: 'pkcs1', format: 'pem' }));
    stack = await startStack({ config: join(dir, 'daemon.yaml') });
    stack.sandbox.registerApp(4242, publicKey.export({ type: 'spki', format: 'pem' }) as string);
  });
  after(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const issue = (installation: number, number: number) => {
    const p = example('issues', 'opened');
    p.installation = { id: installation, node_id: 'x' };
    p.issue.number = number;
    return p;
  };

  it('uses the event’s installation, and one cached token for several events', async () => {
    for (const n of [1, 2]) {
      const r = await stack.send('issues', issue(77, n));
      assert.equal(r.status, 201);
      await stack.client.workflow.getHandle(r.body.workflowId).result();
    }
    assert.equal(stack.sandbox.issuedTokens.length, 1);
    assert.equal(stack.sandbox.issuedTokens[0]!.installationId, 77);
    assert.equal(stack.sandbox.comments.length, 2);
    assert.ok(stack.sandbox.comments.every((c) => c.user === 'aofbot[bot]'));
  });

  it('another installation gets its own token', async () => {
    const r = await stack.send('issues', issue(78, 3));
    await stack.client.workflow.getHandle(r.body.workflowId).result();
    assert.deepEqual(
      stack.sandbox.issuedTokens.map((t) => t.installationId),
      [77, 78],
    );
  });
});
