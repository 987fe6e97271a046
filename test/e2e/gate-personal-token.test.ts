// With a personal access token GitHub refuses check runs ("You must authenticate via a GitHub App."):
// the gate shows as a commit status of the same name, concluded like the check would be, and its comment
// says once why there is no check run.
import assert from 'node:assert/strict';
import { rendered } from '../../src/sandbox/github/server.js';
import { daemonYaml, triggerYaml } from '../harness/config-dir.js';
import { startStackFor, type Stack } from '../harness/stack.js';
import { addedFile, pullRequest, sha } from '../harness/synthetic-pr.js';

describe('the gate with a personal access token', function () {
  let stack: Stack;
  before(async () => {
    process.env.AOF_TEST_PERSONAL_TOKEN = 'ghp_personal_token_for_the_gate';
    stack = await startStackFor({
      'daemon.yaml': daemonYaml(
        'webhook_secret_env: AOF_TEST_WEBHOOK_SECRET\ntoken_env: AOF_TEST_PERSONAL_TOKEN',
        '  gates: {directory: gates}\n',
      ),
      'gates/g.yaml': 'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: g}\nspec:\n  title: PAT\n',
      'triggers/t.yaml': triggerYaml(
        't',
        'config:\n  github_events: [pull_request]\ncommands:\n  pull_request: {gate: g}',
      ),
    });
  });
  after(async () => stack?.stop());

  async function review(n: number, code: string) {
    const head = sha(`pat:${n}:${code}`);
    const p = pullRequest('pat-org/app', n, head);
    stack.sandbox.addPull('pat-org', 'app', p.pull_request, [addedFile('src/a.ts', code)]);
    assert.equal((await stack.send('pull_request', p)).status, 201);
    const final = () => stack.sandbox.statuses.filter((s) => s.sha === head && s.state !== 'pending');
    while (!(final().length && stack.sandbox.commentsOn('pat-org', 'app', n).length))
      await new Promise((r) => setTimeout(r, 100));
    return { head, statuses: stack.sandbox.statuses.filter((s) => s.sha === head) };
  }

  it('a clean head: a pending then a successful status named like the check, and one comment saying why', async () => {
    const { statuses } = await review(9301, 'export function add(a: number, b: number) {\n  return a + b;\n}\n');
    assert.equal(stack.sandbox.checkRuns.length, 0);
    assert.deepEqual(
      statuses.map((s) => [s.context, s.state]),
      [
        ['PAT Gate Check', 'pending'],
        ['PAT Gate Check', 'success'],
      ],
    );
    const [comment] = stack.sandbox.commentsOn('pat-org', 'app', 9301);
    const body = rendered(comment!.body);
    assert.equal(body.match(/Check runs need a GitHub App/g)?.length, 1, body);
    assert.match(body, /commit status `PAT Gate Check`/);
  });

  it('findings fail the status as they would fail the check run', async () => {
    const { statuses } = await review(9302, 'export function run(cmd: string) {\n  return eval(cmd);\n}\n');
    assert.equal(statuses.at(-1)!.state, 'failure');
    assert.ok(statuses.at(-1)!.description!.length <= 140);
    assert.match(rendered(stack.sandbox.commentsOn('pat-org', 'app', 9302)[0]!.body), /Dynamic code execution/);
  });
});
