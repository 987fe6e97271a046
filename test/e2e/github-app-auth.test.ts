// GitHub App credentials: the worker signs a JWT with the app's private key, exchanges it for an
// installation token at the (sandbox) API, caches it, and acts as the app's bot.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { example, retarget } from '../../src/fixtures/webhook-examples.js';
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
    stack.sandbox.registerInstallation(77, 'Codertocat');
    stack.sandbox.registerInstallation(78, 'octo-org');
  });
  after(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const issue = (installation: number, number: number, repo = 'Codertocat/Hello-World') => {
    const p = retarget(example('issues', 'opened'), repo);
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
    const r = await stack.send('issues', issue(78, 3, 'octo-org/app'));
    await stack.client.workflow.getHandle(r.body.workflowId).result();
    assert.deepEqual(
      stack.sandbox.issuedTokens.map((t) => t.installationId),
      [77, 78],
    );
  });

  it("never acts through another account's installation named in a payload", async () => {
    // Signed with the shared secret, about Codertocat's repository, naming octo-org's installation: the
    // worker asks GitHub whose installation 78 is and sends nothing through it for Codertocat.
    const comments = stack.sandbox.comments.length;
    const before = stack.sandbox.requests.length;
    const r = await stack.send('issues', issue(78, 4));
    assert.equal(r.status, 201);
    await assert.rejects(stack.client.workflow.getHandle(r.body.workflowId).result());
    assert.equal(stack.sandbox.comments.length, comments);
    const sent = stack.sandbox.requests.slice(before).map((q) => `${q.method} ${q.path}`);
    assert.deepEqual(
      sent.filter((s) => s.includes('/repos/Codertocat/')),
      [],
      `sent through another's installation: ${sent.join(', ')}`,
    );
  });

  it('an installation GitHub does not know gets no token and sends nothing', async () => {
    const tokens = stack.sandbox.issuedTokens.length;
    const r = await stack.send('issues', issue(9999, 5, 'nobody-org/app'));
    await assert.rejects(stack.client.workflow.getHandle(r.body.workflowId).result());
    assert.equal(stack.sandbox.issuedTokens.length, tokens);
  });
});
