// A pull request of 3,000 files and 30 MB of changes: the gate check and an agent run complete, and no
// payload in their histories comes near Temporal's 2 MB limit: the pull request is read inside
// activities, which return bounded results (the diff an agent reads is cut to a budget, marked).
import assert from 'node:assert/strict';
import { example, retarget } from '../../src/fixtures/webhook-examples.js';
import { agentYaml, daemonYaml, triggerYaml } from '../harness/config-dir.js';
import { historyText, largestPayload } from '../harness/history-text.js';
import { startStackFor, type Stack } from '../harness/stack.js';
import { addedFile, sha } from '../harness/synthetic-pr.js';

const FILES = 3000;
const BYTES_PER_FILE = 10_000;

describe('a pull request of any size', function () {
  this.timeout(180_000);
  let stack: Stack;
  before(async () => {
    stack = await startStackFor({
      'daemon.yaml': daemonYaml(
        // Every request is paced: 100/s keeps this test's few hundred requests short.
        'webhook_secret_env: AOF_TEST_WEBHOOK_SECRET\ntoken_env: AOF_TEST_GITHUB_TOKEN\nrequests_per_second: 100',
        '  gates: {directory: gates}\n  runtime: {max_file_pages: 30}\n',
      ),
      'agents/a.yaml': agentYaml('reviewer', 'builtin:code-reviewer'),
      'gates/g.yaml':
        'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: afa}\nspec:\n  title: AFA\n  max_pages: 5\n',
      'triggers/t.yaml': triggerYaml(
        't',
        'config:\n  github_events: [pull_request]\ncommands:\n  pull_request.opened: {gate: afa}\n  pull_request.reopened: {agent: reviewer}',
      ),
    });
  });
  after(async () => stack?.stop());

  it(`${FILES} files, ${(FILES * BYTES_PER_FILE) / 1e6} MB: the gate and an agent complete, every payload under 256 KB`, async () => {
    const filler = 'x'.repeat(BYTES_PER_FILE - 60);
    const files = Array.from({ length: FILES }, (_, i) =>
      addedFile(`src/f${i}.ts`, `export function f${i}() {\n  return '${filler}';\n}\n`),
    );
    // An owner of its own: the month's quota workflow is shared by every test on this Temporal server.
    const pr = retarget(example('pull_request', 'opened'), 'large-org/monorepo');
    pr.pull_request.number = 3000;
    pr.pull_request.head.sha = sha('large');
    stack.withPull(pr, files);

    const gate = await stack.send('pull_request', pr);
    assert.equal(gate.status, 201, JSON.stringify(gate.body));
    const agent = await stack.send('pull_request', { ...pr, action: 'reopened' });
    assert.equal(agent.status, 201, JSON.stringify(agent.body));
    const agentRun = stack.client.workflow.getHandle(agent.body.workflowId);
    const result = await agentRun.result();
    assert.equal(result.agent.stopped, 'answer');

    for (let i = 0; i < 600 && stack.sandbox.checkRuns[0]?.status !== 'completed'; i++)
      await new Promise((r) => setTimeout(r, 100));
    const run = stack.sandbox.checkRuns[0]!;
    assert.equal(run.status, 'completed');
    assert.match(run.output.summary!, /not analysed: the review's size limit/);

    const handles = [agentRun, stack.client.workflow.getHandle(gate.body.workflowId)];
    for await (const w of stack.client.workflow.list({
      query: `WorkflowType = 'prReviewWorkflow' AND WorkflowId STARTS_WITH '${gate.body.workflowId}/'`,
    })) {
      handles.push(stack.client.workflow.getHandle(w.workflowId));
    }
    assert.equal(handles.length, 3);
    const sizes = await Promise.all(handles.map(largestPayload));
    for (const [i, size] of sizes.entries())
      assert.ok(size < 256 * 1024, `${handles[i]!.workflowId}: a payload of ${size} bytes`);
    // The agent read a diff cut to its budget, and was told so.
    assert.match(
      await historyText(agentRun),
      /more changed file\(s\) not shown: the diff budget of 60000 bytes is used up/,
    );
  });
});
