// A worker killed mid-run: it dies after a tool call, while the next model turn is in flight. A new
// worker resumes from the last completed activity: the run completes with exactly one comment, and no
// GitHub write or completed model turn is repeated.
import { rendered } from '../../src/sandbox/github/server.js';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { example } from '../../src/fixtures/webhook-examples.js';
import { FakeAnthropic, text, toolUse } from '../fakes/fake-anthropic.js';
import { configDir, daemonYaml, triggerYaml, GITHUB_TEST_PLATFORM } from '../harness/config-dir.js';
import { startStack, TEST_ANTHROPIC_KEY, type Stack } from '../harness/stack.js';
import { startWorkerProcess, workerEnvFor, type WorkerProcess } from '../harness/worker-process.js';

describe('a worker killed in the middle of an agent run', function () {
  this.timeout(120_000);
  const fake = new FakeAnthropic();
  let stack: Stack;
  let dir: string;
  let env: Record<string, string>;
  const workers: WorkerProcess[] = [];

  before(async () => {
    const url = await fake.start();
    dir = configDir({
      'daemon.yaml': daemonYaml(GITHUB_TEST_PLATFORM, '  runtime: {model_turn_timeout_secs: 3}\n'),
      'agents/a.yaml':
        'apiVersion: aof.dev/v1\nkind: Agent\nmetadata: {name: helper}\nspec:\n  model: anthropic:claude-test\n  tools: [github_post_comment]\n',
      'triggers/t.yaml': triggerYaml('issues', 'config:\n  github_events: [issues]\ndefault_agent: helper'),
    });
    stack = await startStack({ config: join(dir, 'daemon.yaml'), withWorker: false });
    env = await workerEnvFor(stack, {
      ANTHROPIC_API_KEY: TEST_ANTHROPIC_KEY,
      ANTHROPIC_BASE_URL: url,
    });
  });
  after(async () => {
    for (const w of workers) await w.kill();
    await stack?.stop();
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('resumes on a new worker and completes with exactly one comment', async () => {
    let turnTwoArrived!: () => void;
    const arrived = new Promise<void>((r) => (turnTwoArrived = r));
    let releaseHeld!: () => void;
    const held = new Promise<void>((r) => (releaseHeld = r));
    fake.script(
      toolUse('github_post_comment', { body: 'On it.' }),
      async () => {
        turnTwoArrived();
        await held; // the first worker dies while waiting for this answer
        return text('never delivered');
      },
      text('Done.'),
    );

    workers.push(await startWorkerProcess(join(dir, 'daemon.yaml'), env));
    assert.match(workers[0]!.output(), /"v8Flags":\["--optimize-for-size"\]/, 'the worker keeps its heaps small');
    const r = await stack.send('issues', example('issues', 'opened'));
    assert.equal(r.status, 201);
    await arrived;
    assert.equal(stack.sandbox.comments.length, 1, 'the tool call completed before the crash');
    await workers[0]!.kill('SIGKILL');
    releaseHeld();

    workers.push(await startWorkerProcess(join(dir, 'daemon.yaml'), env));
    const result = await stack.client.workflow.getHandle(r.body.workflowId).result();

    assert.equal(result.agent!.answer, 'Done.');
    assert.equal(stack.sandbox.comments.length, 1);
    assert.equal(rendered(stack.sandbox.comments[0]!.body), 'Done.', 'the final answer updated the comment in place');
    assert.equal(
      stack.sandbox.requests.filter((q) => q.method === 'POST' && q.path.endsWith('/comments')).length,
      1,
      'no GitHub write repeated',
    );
    // Turn 1 ran once; turn 2 twice (lost with the first worker, retried on the second).
    assert.equal(fake.requests.length, 3);
    assert.equal(fake.requests[1]!.body.messages.length, 3);
    assert.equal(fake.requests[2]!.body.messages.length, 3);
  });
});
