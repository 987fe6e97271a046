// Check runs and suites that GitHub sends without pull requests (GitHub's own rerequested example) reach a
// trigger bound to the gate: they are answered 2xx with the reason, never 500 (a failed delivery).
import assert from 'node:assert/strict';
import { examples, retarget } from '../../src/fixtures/webhook-examples.js';
import { daemonYaml, triggerYaml } from '../harness/config-dir.js';
import { startStackFor, type Stack } from '../harness/stack.js';

describe('gate events about no pull request', function () {
  this.timeout(60_000);
  let stack: Stack;
  before(async () => {
    stack = await startStackFor(
      {
        'daemon.yaml': daemonYaml('webhook_secret_env: AOF_TEST_WEBHOOK_SECRET', '  gates: {directory: gates}\n'),
        'gates/g.yaml': 'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: afa}\nspec: {}\n',
        'triggers/t.yaml': triggerYaml(
          'gate',
          'config:\n  github_events: [check_run, check_suite]\ncommands:\n  check_run.rerequested: {gate: afa}\n  check_suite: {gate: afa}',
        ),
      },
      { withWorker: false },
    );
  });
  after(async () => stack?.stop());

  it('check_run.rerequested and check_suite without pull_requests: 202 with the reason', async () => {
    const payloads = [
      ...examples('check_run', 'rerequested').map((p) => ['check_run', p] as const),
      ...examples('check_suite').map((p) => ['check_suite', p] as const),
    ].filter(([event, p]) => p[event].pull_requests.length === 0);
    assert.ok(payloads.length >= 3, 'GitHub examples without pull requests');
    for (const [event, payload] of payloads) {
      const r = await stack.send(event, payload);
      assert.equal(r.status, 202, JSON.stringify(r.body));
      assert.equal(r.body.status, 'unhandled');
      assert.match(r.body.reason, new RegExp(`binds gate "afa", but this ${event} is about no pull request`));
    }
  });

  it('the same event with a pull request is queued for the gate', async () => {
    // A repository of its own: the gate workflow id is per PR, shared with nothing else on this server.
    const payload = retarget(examples('check_run', 'rerequested')[0]!, `gate-no-pr/app-${Date.now()}`);
    payload.check_run.pull_requests = [{ number: 4, head: { sha: payload.check_run.head_sha } }];
    const r = await stack.send('check_run', payload);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.status, 'queued');
    // No worker here: end the queued gate, or a later test's worker on the shared task queue would run it.
    await stack.client.workflow.getHandle(r.body.workflowId).terminate('test done');
  });
});
