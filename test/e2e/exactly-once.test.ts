// Exactly-once GitHub writes: the sandbox performs a write and then fails the answer (a 500, a reset
// connection, or an answer held back while the worker process is SIGKILLed). The activity is retried,
// finds its own write by its operation key, and GitHub holds each write once.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { example, retarget } from '../../src/fixtures/webhook-examples.js';
import { FakeAnthropic, text, tools } from '../fakes/fake-anthropic.js';
import { configDir, daemonYaml, triggerYaml } from '../harness/config-dir.js';
import { startStack, startStackFor, TEST_ANTHROPIC_KEY, type Stack } from '../harness/stack.js';
import { startWorkerProcess, workerEnvFor, type WorkerProcess } from '../harness/worker-process.js';

const AGENT = `apiVersion: aof.dev/v1
kind: Agent
metadata: {name: writer}
spec:
  model: anthropic:claude-test
  max_iterations: 4
  tools: [github_post_review, github_add_labels, github_create_check_run]
`;
const GATE = 'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: afa}\nspec:\n  title: AFA\n';

const files = {
  'daemon.yaml': daemonYaml(
    'webhook_secret_env: AOF_TEST_WEBHOOK_SECRET\ntoken_env: AOF_TEST_GITHUB_TOKEN',
    '  gates: {directory: gates}\n',
  ),
  'agents/a.yaml': AGENT,
  'gates/g.yaml': GATE,
  'triggers/t.yaml': triggerYaml(
    't',
    'config:\n  github_events: [issues, pull_request, issue_comment]\ncommands:\n  issues.opened: {agent: writer}\n  pull_request.opened: {agent: writer}\n  pull_request.synchronize: {gate: afa}',
  ),
};

describe('exactly-once GitHub writes when GitHub committed and the answer failed', function () {
  this.timeout(120_000);
  const fake = new FakeAnthropic();
  let stack: Stack;
  before(async () => (stack = await startStackFor(files, { anthropic: fake })));
  after(async () => stack?.stop());
  beforeEach(() => {
    stack.sandbox.reset();
    fake.reset();
  });

  const posts = (path: RegExp) => stack.sandbox.requests.filter((q) => q.method === 'POST' && path.test(q.path));
  const run = async (event: string, payload: Record<string, any>) => {
    const r = await stack.send(event, payload);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return stack.client.workflow.getHandle(r.body.workflowId).result();
  };

  for (const mode of ['status500', 'reset'] as const) {
    it(`a comment (the agent's answer): ${mode} after the write`, async () => {
      fake.script(text('The answer.'));
      stack.sandbox.failAfterCommit(1, mode, /^POST .*\/issues\/\d+\/comments$/);
      await run('issues', example('issues', 'opened'));
      assert.equal(stack.sandbox.comments.length, 1);
      assert.match(stack.sandbox.comments[0]!.body, /^The answer\.\n\n<!-- aof:op=[0-9a-f]{24} -->$/);
      // One write, answered with a failure; the retry looked it up instead of writing again.
      assert.deepEqual(
        posts(/\/comments$/).map((q) => q.status),
        [mode === 'reset' ? 0 : 500],
      );
      assert.ok(
        stack.sandbox.requests.some((q) => q.method === 'GET' && q.path.endsWith('/comments')),
        'the retry looked the comment up',
      );
    });
  }

  it('a review, a label and a check run from tools: each answer fails after the write', async () => {
    const pr = stack.withPull(example('pull_request', 'opened'));
    fake.script(
      tools(
        ['github_post_review', { body: 'Looks fine.', event: 'COMMENT' }],
        ['github_add_labels', { labels: ['reviewed'] }],
        [
          'github_create_check_run',
          { name: 'writer', status: 'completed', conclusion: 'success', title: 't', summary: 's' },
        ],
      ),
      text('Reviewed.'),
    );
    stack.sandbox.failAfterCommit(1, 'status500', /\/reviews$/);
    stack.sandbox.failAfterCommit(1, 'reset', /\/labels$/);
    stack.sandbox.failAfterCommit(1, 'status500', /\/check-runs$/);
    const result = await run('pull_request', pr);
    assert.deepEqual(
      result.agent.toolCalls.map((c: { ok: boolean }) => c.ok),
      [true, true, true],
    );
    assert.equal(stack.sandbox.reviews.length, 1);
    assert.equal(stack.sandbox.checkRuns.length, 1);
    assert.deepEqual(
      [...stack.sandbox.labels.values()].map((s) => [...s]),
      [['reviewed']],
    );
    assert.deepEqual(
      [posts(/\/reviews$/).map((q) => q.status), posts(/\/check-runs$/).map((q) => q.status)],
      [[500], [500]],
    );
  });

  it('the gate: its check run and its comment, each failing after the write', async () => {
    // An owner of its own: the month's quota workflow is shared by every test on this Temporal server.
    const pr = retarget(example('pull_request', 'synchronize'), 'once-org/app');
    pr.pull_request.head.sha = 'e'.repeat(40);
    // A PR of its own: the gate's workflow (gate/<repo>#<n>) stays open after this test, on this stack's
    // task queue, and would swallow a later test's deliveries for the example's PR #2.
    pr.number = pr.pull_request.number = 9106;
    stack.withPull(pr, [
      {
        filename: 'src/a.ts',
        status: 'added',
        additions: 3,
        deletions: 0,
        patch: '@@ -0,0 +1,3 @@\n+export function a() {\n+  return 1;\n+}',
        content: 'export function a() {\n  return 1;\n}\n',
      },
    ]);
    stack.sandbox.failAfterCommit(1, 'status500', /\/check-runs$/);
    stack.sandbox.failAfterCommit(1, 'reset', /\/issues\/\d+\/comments$/);
    const r = await stack.send('pull_request', pr);
    assert.equal(r.status, 201);
    for (
      let i = 0;
      i < 200 && !(stack.sandbox.checkRuns[0]?.status === 'completed' && stack.sandbox.comments.length);
      i++
    )
      await new Promise((res) => setTimeout(res, 100));
    assert.equal(stack.sandbox.checkRuns.length, 1);
    assert.equal(stack.sandbox.checkRuns[0]!.status, 'completed');
    assert.equal(stack.sandbox.comments.length, 1);
  });
});

describe('exactly-once GitHub writes when the worker dies while GitHub answers', function () {
  this.timeout(180_000);
  const fake = new FakeAnthropic();
  let stack: Stack;
  let dir: string;
  const workers: WorkerProcess[] = [];
  before(async () => {
    dir = configDir(files);
    stack = await startStack({ config: join(dir, 'daemon.yaml'), withWorker: false });
  });
  after(async () => {
    for (const w of workers) await w.kill();
    await stack?.stop();
    await fake.stop();
  });

  it('a comment written while the worker is SIGKILLed is not written again by the next worker', async () => {
    const env = await workerEnvFor(stack, {
      ANTHROPIC_API_KEY: TEST_ANTHROPIC_KEY,
      ANTHROPIC_BASE_URL: await fake.start(),
    });
    fake.script(text('Written once.'));
    stack.sandbox.failAfterCommit(1, { delayMs: 10_000 }, /\/comments$/);
    workers.push(await startWorkerProcess(join(dir, 'daemon.yaml'), env));
    const r = await stack.send('issues', example('issues', 'opened'));
    for (let i = 0; i < 300 && stack.sandbox.comments.length === 0; i++)
      await new Promise((res) => setTimeout(res, 50));
    assert.equal(stack.sandbox.comments.length, 1, 'GitHub has the comment; its answer is held back');
    await workers[0]!.kill('SIGKILL');
    workers.push(await startWorkerProcess(join(dir, 'daemon.yaml'), env));
    // The GitHub activity's start-to-close timeout (1 minute) passes, then the retry finds the comment.
    await stack.client.workflow.getHandle(r.body.workflowId).result();
    assert.equal(stack.sandbox.comments.length, 1);
    assert.equal(
      stack.sandbox.requests.filter((q) => q.method === 'POST' && q.path.endsWith('/comments')).length,
      1,
      'the retry looked the comment up instead of writing again',
    );
  });
});
