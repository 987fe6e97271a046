// Per-organization webhook secrets (the reference's "future design"): a delivery is accepted only with
// its own organization's secret; other owners use the global secret.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { example, retarget } from '../../src/fixtures/webhook-examples.js';
import { agentYaml, configDir, daemonYaml, triggerYaml } from '../harness/config-dir.js';
import { startStack, TEST_SECRET, type Stack } from '../harness/stack.js';

describe('per-organization webhook secrets', function () {
  let stack: Stack;
  let dir: string;
  before(async () => {
    process.env.AOF_ORG1_SECRET = 'org1-secret';
    process.env.AOF_ORG2_SECRET = 'org2-secret';
    dir = configDir({
      'daemon.yaml': daemonYaml(
        'webhook_secret_env: AOF_TEST_WEBHOOK_SECRET\norganizations:\n  - name: org1\n    token_env: AOF_ORG1_TOKEN\n    webhook_secret_env: AOF_ORG1_SECRET\n  - name: Org2\n    webhook_secret_env: AOF_ORG2_SECRET',
      ),
      'agents/a.yaml': agentYaml('helper'),
      'triggers/t.yaml': triggerYaml('all', 'default_agent: helper'),
    });
    stack = await startStack({ config: join(dir, 'daemon.yaml'), withWorker: false });
  });
  after(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const issue = (owner: string) => {
    const p = retarget(example('issues', 'opened'), `${owner}/repo`);
    delete p.organization;
    return p;
  };

  it('accepts a delivery signed with its organization’s secret', async () => {
    assert.equal((await stack.send('issues', issue('org1'), { secret: 'org1-secret' })).status, 201);
    assert.equal((await stack.send('issues', issue('ORG2'), { secret: 'org2-secret' })).status, 201);
  });

  it('refuses another organization’s secret, and the global one, for a configured organization', async () => {
    assert.equal((await stack.send('issues', issue('org1'), { secret: 'org2-secret' })).status, 401);
    assert.equal((await stack.send('issues', issue('org1'), { secret: TEST_SECRET })).status, 401);
  });

  it('uses the global secret for owners without their own', async () => {
    assert.equal((await stack.send('issues', issue('someone'), { secret: TEST_SECRET })).status, 201);
    assert.equal((await stack.send('issues', issue('someone'), { secret: 'org1-secret' })).status, 401);
  });

  it('the organization field wins over the repository owner', async () => {
    const p = issue('someone');
    p.organization = { login: 'org1' };
    assert.equal((await stack.send('issues', p, { secret: 'org1-secret' })).status, 201);
    assert.equal((await stack.send('issues', p, { secret: TEST_SECRET })).status, 401);
  });
});
