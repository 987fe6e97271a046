// One verified identity per delivery (issue 22, item 1). Two organizations each sign with their own
// secret. The payload's `repository.full_name`, which ids, locks, signals and the deploy hook's body were
// once built from, is a field the signer writes: with its own secret, "evil" names its own owner and
// repository name but victim's full name. Each of the three forgeries that once worked is refused with a
// 403 and changes nothing of victim's; victim's own approver still deploys exactly once afterwards.
import assert from 'node:assert/strict';
import { example, retarget } from '../../src/fixtures/webhook-examples.js';
import { approvalStateQuery } from '../../workflows/definitions.js';
import { agentYaml, daemonYaml, triggerYaml } from '../harness/config-dir.js';
import { deployFlow, startDeployHook } from '../harness/deploy-hook.js';
import { startStackFor, type Stack } from '../harness/stack.js';
import { until } from '../harness/until.js';

const VICTIM = 'victim-secret-5d1c';
const EVIL = 'evil-secret-77ab';

describe('hostile tenants: ids, locks, signals and hooks come from the verified identity alone', function () {
  this.timeout(60_000);
  let stack: Stack;
  let hook: Awaited<ReturnType<typeof startDeployHook>>;

  before(async () => {
    process.env.AOF_VICTIM_SECRET = VICTIM;
    process.env.AOF_EVIL_SECRET = EVIL;
    hook = await startDeployHook();
    stack = await startStackFor({
      'daemon.yaml': daemonYaml(
        'token_env: AOF_TEST_GITHUB_TOKEN\norganizations:\n  - name: victim\n    webhook_secret_env: AOF_VICTIM_SECRET\n  - name: evil\n    webhook_secret_env: AOF_EVIL_SECRET',
        '  flows: {directory: flows}\n',
      ),
      'flows/f.yaml': deployFlow(hook.url, 'body: {repository: "${event.repo_full_name}"}'),
      'triggers/t.yaml': triggerYaml(
        'deploys',
        'config:\n  github_events: [issue_comment, pull_request]\ncommands:\n  /deploy production:\n    flow: deploy-prod\n    params: {require_approval: true, approvers: [alice], environment: production}',
      ),
    });
    for (const repo of ['victim/api', 'evil/api']) {
      stack.sandbox.permissions.set(`${repo}:alice`, 'write');
      stack.sandbox.permissions.set(`${repo}:carol`, 'write');
    }
  });
  after(async () => {
    await stack?.stop();
    hook?.close();
  });

  const VICTIM_SHA = 'a'.repeat(40);
  const EVIL_SHA = 'e'.repeat(40);
  for (const [repo, number, sha] of [
    ['victim/api', 1, VICTIM_SHA],
    ['victim/api', 2, VICTIM_SHA],
    ['evil/api', 1, EVIL_SHA],
  ] as const) {
    before(() => {
      const pr = retarget(example('pull_request', 'opened'), repo);
      pr.pull_request.number = number;
      pr.pull_request.head.sha = sha;
      stack.sandbox.addPull(repo.split('/')[0]!, 'api', pr.pull_request);
    });
  }

  /** A PR comment about `repo`; `fullName` overrides what the payload claims as the full name. */
  const comment = (repo: string, number: number, body: string, login: string, fullName = repo) => {
    const c = retarget(example('issue_comment', 'created'), repo);
    c.repository.full_name = fullName;
    delete c.organization;
    delete c.installation;
    c.issue.number = number;
    c.issue.user.login = 'octocat';
    c.issue.pull_request = { url: 'x', html_url: 'y' };
    c.comment.id = Math.floor(Math.random() * 1e9);
    c.comment.body = body;
    c.sender.login = login;
    return c;
  };
  const flowOf = (repo: string, number: number) =>
    stack.client.workflow.getHandle(`flow/${repo}#${number}/deploy-prod/production`);
  const waiting = async (repo: string, number: number) =>
    (await flowOf(repo, number).query(approvalStateQuery)).waitingFor;
  const started = async () => {
    const ids: string[] = [];
    for await (const w of stack.client.workflow.list({ query: `WorkflowId STARTS_WITH 'flow/victim/'` }))
      ids.push(w.workflowId);
    return ids.sort();
  };

  it("victim's deploy request waits for victim's approver", async () => {
    const r = await stack.send('issue_comment', comment('victim/api', 1, '/deploy production', 'carol'), {
      secret: VICTIM,
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    await until(
      'the request to wait for approval',
      async () => (await waiting('victim/api', 1).catch(() => undefined)) === 'production',
    );
  });

  it("refuses evil's /approve that names victim's repository as its full name", async () => {
    const r = await stack.send('issue_comment', comment('evil/api', 1, '/approve', 'alice', 'victim/api'), {
      secret: EVIL,
    });
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.match(r.body.error, /repository\.full_name does not name repository\.owner\.login\/repository\.name/);
    assert.equal(await waiting('victim/api', 1), 'production');
    assert.equal(hook.calls.length, 0);
  });

  it("refuses evil's forged pull_request.closed for victim's pull request", async () => {
    const closed = retarget(example('pull_request', 'closed'), 'evil/api');
    closed.repository.full_name = 'victim/api';
    delete closed.organization;
    delete closed.installation;
    closed.pull_request.number = 1;
    closed.pull_request.head.sha = EVIL_SHA;
    const r = await stack.send('pull_request', closed, { secret: EVIL });
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.equal(await waiting('victim/api', 1), 'production', "victim's request was voided");
  });

  it("refuses evil's /deploy production in victim's name at evil's commit", async () => {
    const before = await started();
    const r = await stack.send('issue_comment', comment('evil/api', 2, '/deploy production', 'alice', 'victim/api'), {
      secret: EVIL,
    });
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.deepEqual(await started(), before, 'a flow started in victim’s name');
  });

  it('refuses a head that is not 40 hexadecimal characters', async () => {
    const pr = retarget(example('pull_request', 'synchronize'), 'evil/api');
    delete pr.organization;
    delete pr.installation;
    pr.pull_request.head.sha = 'HEAD~1';
    const r = await stack.send('pull_request', pr, { secret: EVIL });
    assert.equal(r.status, 403);
    assert.match(r.body.error, /head\.sha is not 40 hexadecimal characters/);
  });

  it("victim's own approver deploys exactly once, with victim's identity in the hook's body", async () => {
    const r = await stack.send('issue_comment', comment('victim/api', 1, '/approve', 'alice'), { secret: VICTIM });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.equal((await flowOf('victim/api', 1).result()).status, 'deployed');
    assert.equal(hook.calls.length, 1);
    assert.equal(JSON.parse(hook.calls[0]!.body).repository, 'victim/api');
  });
});

describe('hostile loops: the bot knows itself by its credentials, and its own marker (issue 22, item 7)', function () {
  let stack: Stack;
  before(async () => {
    stack = await startStackFor(
      {
        // As shipped: bot_name names an account the personal token is not.
        'daemon.yaml': daemonYaml(
          'webhook_secret_env: AOF_TEST_WEBHOOK_SECRET\ntoken_env: AOF_TEST_GITHUB_TOKEN\nbot_name: aofbot',
        ),
        'agents/a.yaml': agentYaml('helper'),
        'triggers/t.yaml': triggerYaml('all', 'config:\n  github_events: [issue_comment]\ndefault_agent: helper'),
      },
      { withWorker: false, env: () => ({ AOF_TEST_GITHUB_TOKEN: 'ghp_personal_token' }) },
    );
  });
  after(async () => stack?.stop());

  const comment = (login: string, body: string) => {
    const c = retarget(example('issue_comment', 'created'), 'someone/app');
    delete c.installation;
    delete c.organization;
    c.sender = { ...c.sender, login, type: 'User' };
    c.comment.body = body;
    c.comment.id = Math.floor(Math.random() * 1e9);
    return c;
  };

  it("a comment by the token's own user (the bot's reply) starts nothing, though bot_name says otherwise", async () => {
    // GET /user with the personal token answers sandbox-user: the account every reply is posted as.
    const r = await stack.send('issue_comment', comment('sandbox-user', 'Here is what I found.'));
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.match(r.body.reason, /sent by the bot itself/);
    // bot_name still adds its name.
    assert.equal((await stack.send('issue_comment', comment('aofbot', 'hi'))).status, 202);
    assert.equal((await stack.send('issue_comment', comment('alice', 'hi'))).status, 201);
  });

  it("a comment carrying the product's own marker starts nothing, whoever's account posted it", async () => {
    const r = await stack.send('issue_comment', comment('alice', 'Done.\n\n<!-- aof:op=reply/123 -->'));
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.match(r.body.reason, /own marker/);
  });
});
