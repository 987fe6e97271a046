// Pull requests built to take a worker down, over the real stack (ingress over HTTP, Temporal, a worker
// process, the GitHub sandbox): a 380 KB one-line file of nested functions (naming every function made
// memory grow with the square of the depth: the worker aborted out of memory), twenty of them, a 50 KB
// file of long nested names (an analysis result over Temporal's 2 MB), and a line crafted for a built-in
// rule's regular expression (minutes of a worker's main thread). Each review ends with a verdict, what was
// not analysed is named with the reason, and an unrelated issue opened at the same time is answered.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { example, retarget } from '../../src/fixtures/webhook-examples.js';
import { agentYaml, configDir, daemonYaml, triggerYaml, GITHUB_TEST_PLATFORM } from '../harness/config-dir.js';
import { largestPayload } from '../harness/history-text.js';
import { startStack, type Stack } from '../harness/stack.js';
import { addedFile, sendPull } from '../harness/synthetic-pr.js';
import { until } from '../harness/until.js';
import { startWorkerProcess, workerEnvFor, type WorkerProcess } from '../harness/worker-process.js';

/** One line of `depth` functions, each declared inside the one before: 14 bytes a level. */
const nestedOneLine = (depth: number) => 'function f(){'.repeat(depth) + '}'.repeat(depth);
/** One function per line, each inside the one before, named with `nameLength` characters. */
const nestedLongNames = (depth: number, nameLength: number) =>
  Array.from({ length: depth }, (_, i) => `function ${'n'.repeat(nameLength)}${i}() {`).join('\n') +
  '\n' +
  '}\n'.repeat(depth);

describe('hostile pull requests: bounded parsing, a verdict, other events answered', function () {
  this.timeout(300_000);
  let stack: Stack;
  let dir: string;
  let worker: WorkerProcess;
  let issues = 0;

  before(async () => {
    dir = configDir({
      'daemon.yaml': daemonYaml(GITHUB_TEST_PLATFORM, '  gates: {directory: gates}\n'),
      'agents/a.yaml': agentYaml('helper'),
      'agents/r.yaml': agentYaml('reviewer', 'builtin:code-reviewer'),
      'gates/g.yaml': 'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: afa}\nspec:\n  title: AFA\n',
      'triggers/t.yaml': triggerYaml(
        't',
        'config:\n  github_events: [pull_request, issues]\ncommands:\n  pull_request.opened: {gate: afa}\n  pull_request.reopened: {agent: reviewer}\n  issues.opened: {agent: helper}',
      ),
    });
    stack = await startStack({ config: join(dir, 'daemon.yaml'), withWorker: false });
    // A worker of its own, as in production: what takes it down cannot take the test down with it.
    worker = await startWorkerProcess(join(dir, 'daemon.yaml'), await workerEnvFor(stack));
  });
  after(async () => {
    await worker?.kill();
    await stack?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Opens an unrelated issue; resolves once the bot has answered it. */
  const issueAnswered = async () => {
    const number = 9000 + ++issues;
    const issue = retarget(example('issues', 'opened'), 'octo/unrelated');
    issue.issue.number = number;
    const r = await stack.send('issues', issue);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return () => stack.sandbox.commentsOn('octo', 'unrelated', number).length > 0;
  };

  const completedRun = (head: string) =>
    stack.sandbox.checkRuns.find((c) => c.head_sha === head && c.status === 'completed');

  /** Sends the pull request and an issue; both must be answered. */
  async function reviewWhileAnswering(repo: string, number: number, files: ReturnType<typeof addedFile>[]) {
    const { head, r } = await sendPull(stack, repo, number, files);
    const answered = await issueAnswered();
    await until('the unrelated issue to be answered', answered, { ms: 120_000, detail: () => worker.output() });
    await until('the check run to be completed', () => Boolean(completedRun(head)), {
      ms: 120_000,
      detail: () => worker.output().slice(-3000),
    });
    return { run: completedRun(head)!, workflowId: r.body.workflowId as string };
  }

  it('a 380 KB one-line file of nested functions: not analysed, with the reason; a verdict', async () => {
    const source = nestedOneLine(27_000);
    assert.ok(source.length > 370_000);
    const { run } = await reviewWhileAnswering('hostile/one-file', 1, [addedFile('src/gen.js', source)]);
    assert.ok(run.conclusion, 'a verdict');
    assert.match(run.output.summary!, /src\/gen\.js: not parsed: functions and classes nested more than 64 levels/);
  });

  it('a pull request of 20 such files and one ordinary file: the ordinary one is reviewed', async () => {
    const source = nestedOneLine(27_000);
    const files = Array.from({ length: 20 }, (_, i) => addedFile(`src/gen${i}.ts`, source));
    files.push(addedFile('src/ok.ts', 'export function ok(x: number) {\n  console.log(x);\n  return x;\n}\n'));
    const { run } = await reviewWhileAnswering('hostile/twenty-files', 2, files);
    // Reviewed: a function with a finding (no function at all would be neutral).
    assert.equal(run.conclusion, 'success');
    for (let i = 0; i < 20; i++) assert.match(run.output.summary!, new RegExp(`src/gen${i}\\.ts: not parsed: `));
  });

  it('a 50 KB file of nested functions with long names: names cut, every payload far below 2 MB', async () => {
    const source = nestedLongNames(60, 800);
    assert.ok(source.length > 48_000);
    const { run, workflowId } = await reviewWhileAnswering('hostile/long-names', 3, [
      addedFile('src/names.ts', source),
    ]);
    assert.doesNotMatch(run.output.summary!, /could not complete/);
    const handles = [];
    for await (const w of stack.client.workflow.list({
      query: `WorkflowType = 'prReviewWorkflow' AND WorkflowId STARTS_WITH '${workflowId}/'`,
    }))
      handles.push(stack.client.workflow.getHandle(w.workflowId));
    assert.ok(handles.length >= 1);
    for (const h of handles) {
      const size = await largestPayload(h);
      assert.ok(size < 512 * 1024, `${h.workflowId}: a payload of ${size} bytes`);
    }
  });

  it('a 100 KB line crafted for the built-in rules: the gate and builtin:code-reviewer answer', async () => {
    // Cubic for `for\s*\(.*\)\s*\{?.*await\b`, quadratic for the other `.*` rules.
    const line = '  const x = 1; // ' + 'for()'.repeat(20_000);
    const source = `export function crafted() {\n  console.log(1);\n${line}\n  return 1;\n}\n`;
    const files = [addedFile('src/crafted.ts', source)];
    const { run } = await reviewWhileAnswering('hostile/crafted', 4, files);
    assert.equal(run.conclusion, 'success', run.output.summary);
    // The agent reads the patch line by line: the whole 100 KB line.
    const pr = retarget(example('pull_request', 'reopened'), 'hostile/crafted');
    pr.action = 'reopened';
    pr.number = 4;
    pr.pull_request.number = 4;
    stack.sandbox.addPull('hostile', 'crafted', pr.pull_request, files);
    const r = await stack.send('pull_request', pr);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const answered = await issueAnswered();
    await until('the unrelated issue to be answered', answered, { ms: 120_000 });
    const result = await stack.client.workflow.getHandle(r.body.workflowId).result();
    assert.equal(result.agent!.stopped, 'answer');
    assert.match(result.agent!.answer!, /Sequential awaits in a loop|Reviewed \d+ added line/);
  });
});
