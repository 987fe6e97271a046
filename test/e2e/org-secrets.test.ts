// The tenant model: the secret that verified a delivery decides whom it may act for. An organization's
// secret acts for that organization only (its repositories, its installation), the global secret for
// owners without their own, a Trigger's own secret only for what that Trigger routes. Anything else is
// refused with a 4xx and its reason, and nothing starts.
import assert from 'node:assert/strict';
import { example, retarget } from '../../src/fixtures/webhook-examples.js';
import { agentYaml, daemonYaml, triggerYaml } from '../harness/config-dir.js';
import { startStackFor, TEST_SECRET, type Stack } from '../harness/stack.js';

describe('tenants: the verifying secret decides whom a delivery acts for', function () {
  let stack: Stack;
  before(async () => {
    process.env.AOF_ORG1_SECRET = 'org1-secret';
    process.env.AOF_ORG2_SECRET = 'org2-secret';
    stack = await startStackFor(
      {
        'daemon.yaml': daemonYaml(
          'webhook_secret_env: AOF_TEST_WEBHOOK_SECRET\ntoken_env: AOF_TEST_GITHUB_TOKEN\norganizations:\n  - name: org1\n    webhook_secret_env: AOF_ORG1_SECRET\n    installation_id: 111\n  - name: Org2\n    webhook_secret_env: AOF_ORG2_SECRET',
        ),
        'agents/a.yaml': agentYaml('helper'),
        'triggers/a-scoped.yaml': triggerYaml(
          'scoped',
          'config:\n  webhook_secret: trigger-only-secret\n  repositories: [someone/only-this]\ndefault_agent: helper',
        ),
        'triggers/b-all.yaml': triggerYaml('all', 'default_agent: helper'),
      },
      { withWorker: false },
    );
  });
  after(async () => stack?.stop());

  const issue = (repo: string, org?: string, installation?: number) => {
    const p = retarget(example('issues', 'opened'), repo);
    delete p.organization;
    if (org) p.organization = { login: org, id: 1 };
    if (installation !== undefined) p.installation = { id: installation };
    else delete p.installation;
    return p;
  };
  const started = async () => {
    const ids: string[] = [];
    for await (const w of stack.client.workflow.list({
      query: `TaskQueue = '${stack.resources.daemon.spec.temporal.task_queue}'`,
    }))
      ids.push(w.workflowId);
    return ids;
  };
  const refused = async (status: number, reason: RegExp, ...args: Parameters<Stack['send']>) => {
    const r = await stack.send(...args);
    assert.equal(r.status, status, JSON.stringify(r.body));
    assert.match(r.body.error, reason);
    assert.ok(!(await started()).includes(`github-delivery-${r.delivery}`), 'nothing started');
  };

  it('accepts an organization’s delivery signed with its own secret, at the shared URL or its own', async () => {
    assert.equal((await stack.send('issues', issue('org1/repo', 'org1', 111), { secret: 'org1-secret' })).status, 201);
    assert.equal((await stack.send('issues', issue('ORG2/repo'), { secret: 'org2-secret' })).status, 201);
    assert.equal(
      (await stack.send('issues', issue('org1/repo'), { secret: 'org1-secret', path: '/webhook/github/org1' })).status,
      201,
    );
  });

  it('refuses a delivery for another organization’s repository that claims the signer’s organization', async () => {
    await refused(
      403,
      /organization "org1" does not own repository "org2\/private-repo"/,
      'issues',
      issue('org2/private-repo', 'org1'),
      { secret: 'org1-secret' },
    );
    await refused(403, /signed with the secret of "org1" but about "org2"/, 'issues', issue('org2/private-repo'), {
      secret: 'org1-secret',
    });
  });

  it('refuses a forged /approve for another organization’s pull request', async () => {
    const p = retarget(example('issue_comment', 'created'), 'Org2/private-repo');
    p.issue.pull_request = { url: 'https://api.github.com/repos/Org2/private-repo/pulls/1' };
    p.comment.body = '/approve';
    p.organization = { login: 'org1' };
    await refused(403, /does not own repository/, 'issue_comment', p, { secret: 'org1-secret' });
    delete p.organization;
    await refused(403, /but about "Org2"/, 'issue_comment', p, { secret: 'org1-secret' });
  });

  it('refuses an installation that is not the organization’s', async () => {
    await refused(
      403,
      /installation 999 is not the installation of "org1"/,
      'issues',
      issue('org1/repo', 'org1', 999),
      { secret: 'org1-secret' },
    );
  });

  it('the global secret acts only for owners without a secret of their own', async () => {
    assert.equal((await stack.send('issues', issue('someone/repo'))).status, 201);
    await refused(403, /"org1" has its own webhook secret/, 'issues', issue('org1/repo'), { secret: TEST_SECRET });
    await refused(403, /but about "someone"/, 'issues', issue('someone/repo'), { secret: 'org1-secret' });
  });

  it('an organization’s URL tries that organization’s secret only', async () => {
    await refused(401, /signature does not match/, 'issues', issue('org1/repo'), {
      secret: TEST_SECRET,
      path: '/webhook/github/org1',
    });
    await refused(401, /signature does not match/, 'issues', issue('org1/repo'), {
      secret: 'org2-secret',
      path: '/webhook/github/org1',
    });
    await refused(404, /no organization "nobody"/, 'issues', issue('nobody/repo'), {
      secret: TEST_SECRET,
      path: '/webhook/github/nobody',
    });
  });

  it('a Trigger’s own secret covers only the deliveries that Trigger routes', async () => {
    const ok = await stack.send('issues', issue('someone/only-this'), { secret: 'trigger-only-secret' });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.equal(ok.body.trigger, 'scoped');
    await refused(403, /secret of Trigger scoped does not cover this delivery/, 'issues', issue('someone/other'), {
      secret: 'trigger-only-secret',
    });
    await refused(403, /"org1" has its own webhook secret/, 'issues', issue('org1/only-this'), {
      secret: 'trigger-only-secret',
    });
  });

  it('verifies before parsing: an unsigned body that is not JSON is refused as unauthenticated', async () => {
    const r = await stack.send('issues', '{"not json', { secret: 'wrong' });
    assert.equal(r.status, 401);
  });
});
