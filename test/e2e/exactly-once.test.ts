// Exactly-once GitHub writes: the sandbox performs a write and then fails the answer (a 500, a reset
// connection, or an answer held back while the worker process is SIGKILLed). The activity is retried,
// finds its own write by its operation key, and GitHub holds each write once.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { example, retarget } from '../../src/fixtures/webhook-examples.js';
import { rendered } from '../../src/sandbox/github/server.js';
import { FakeAnthropic, text, tools } from '../fakes/fake-anthropic.js';
import { configDir, daemonYaml, triggerYaml, GITHUB_TEST_PLATFORM } from '../harness/config-dir.js';
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
// A deploy hook call (with its idempotency key) and a flow's github comment node.
const FLOW = `apiVersion: aof.dev/v1
kind: AgentFlow
metadata: {name: ship}
spec:
  nodes:
    - {id: start, type: http, config: {url: "\${AOF_DEPLOY_HOOK_URL}/staging", method: POST}}
    - {id: announce, type: github, config: {action: comment, body: Shipped to staging.}}
    - {id: done, type: end}
  connections:
    - {from: start, to: announce}
    - {from: announce, to: done}
`;

const files = {
  'daemon.yaml': daemonYaml(GITHUB_TEST_PLATFORM, '  gates: {directory: gates}\n  flows: {directory: flows}\n'),
  'agents/a.yaml': AGENT,
  'gates/g.yaml': GATE,
  'flows/f.yaml': FLOW,
  'triggers/t.yaml': triggerYaml(
    't',
    'config:\n  github_events: [issues, pull_request, issue_comment]\ncommands:\n  issues.opened: {agent: writer}\n  issues.labeled: {flow: ship}\n  pull_request.opened: {agent: writer}\n  pull_request.synchronize: {gate: afa}',
  ),
};
const deployHook = (sandboxUrl: string) => ({ AOF_DEPLOY_HOOK_URL: `${sandboxUrl}/_sandbox/deploy` });

/** The fake model's turn for a run: a PR's number picks the write its agent makes; an issue gets an answer. */
const WRITES: Record<number, [string, unknown]> = {
  9201: ['github_post_review', { body: 'Looks fine.', event: 'COMMENT' }],
  9202: ['github_add_labels', { labels: ['reviewed'] }],
  9203: [
    'github_create_check_run',
    { name: 'writer', status: 'completed', conclusion: 'success', title: 't', summary: 's' },
  ],
};
function turnFor(body: any) {
  const last = body.messages[body.messages.length - 1];
  if (Array.isArray(last.content) && last.content.some((b: any) => b.type === 'tool_result')) return text('Done.');
  const pr = /pull request #(\d+)/.exec(String(body.messages[0].content));
  const write = pr ? WRITES[Number(pr[1])] : undefined;
  return write ? tools(write) : text('Answered once.');
}
const pullNumbered = (n: number) => {
  const pr = example('pull_request', 'opened');
  pr.number = pr.pull_request.number = n;
  return pr;
};

describe('exactly-once GitHub writes when GitHub committed and the answer failed', function () {
  this.timeout(120_000);
  const fake = new FakeAnthropic();
  let stack: Stack;
  before(async () => (stack = await startStackFor(files, { anthropic: fake, env: deployHook })));
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

  for (const mode of ['status500', 'reset'] as const) {
    it(`a review, a label and a check run from tools: ${mode} after each write`, async () => {
      const pr = stack.withPull(example('pull_request', 'opened'));
      fake.script(tools(WRITES[9201]!, WRITES[9202]!, WRITES[9203]!), text('Reviewed.'));
      stack.sandbox.failAfterCommit(1, mode, /\/reviews$/);
      stack.sandbox.failAfterCommit(1, mode, /\/labels$/);
      stack.sandbox.failAfterCommit(1, mode, /\/check-runs$/);
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
      const failed = mode === 'reset' ? 0 : 500;
      assert.deepEqual(
        [posts(/\/reviews$/).map((q) => q.status), posts(/\/check-runs$/).map((q) => q.status)],
        [[failed], [failed]],
      );
    });

    it(`a deploy hook and a flow's comment: ${mode} after each`, async () => {
      stack.sandbox.failAfterCommit(1, mode, /^POST \/_sandbox\/deploy\//);
      stack.sandbox.failAfterCommit(1, mode, /^POST .*\/issues\/\d+\/comments$/);
      const result = await run('issues', example('issues', 'labeled'));
      assert.equal(result.flow.status, 'completed', JSON.stringify(result.flow));
      // The retry sent the same idempotency key, so the hook deployed once.
      assert.equal(posts(/^\/_sandbox\/deploy\//).length, 2);
      assert.equal(stack.sandbox.deploys.length, 1);
      // The announcement once, then the flow's summary.
      assert.deepEqual(
        stack.sandbox.comments.map((c) => rendered(c.body).split('\n')[0]),
        ['Shipped to staging.', '### Flow `ship` for `default`: completed'],
      );
    });
  }

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
    stack = await startStack({ config: join(dir, 'daemon.yaml'), withWorker: false, env: deployHook });
  });
  after(async () => {
    for (const w of workers) await w.kill();
    await stack?.stop();
    await fake.stop();
  });

  it('a comment, a review, a label, a check run and a deploy, each committed while the worker is SIGKILLed, happen once', async () => {
    const env = await workerEnvFor(stack, {
      ANTHROPIC_API_KEY: TEST_ANTHROPIC_KEY,
      ANTHROPIC_BASE_URL: await fake.start(),
      ...deployHook(stack.sandbox.url),
    });
    fake.respondWith(turnFor);
    // GitHub (and the hook) commit each first write, then hold its answer until the worker is gone.
    for (const path of [
      /\/issues\/\d+\/comments$/,
      /\/reviews$/,
      /\/labels$/,
      /\/check-runs$/,
      /^POST \/_sandbox\/deploy\//,
    ])
      stack.sandbox.failAfterCommit(1, { delayMs: 60_000 }, path);
    workers.push(await startWorkerProcess(join(dir, 'daemon.yaml'), env));
    const runs: string[] = [];
    const send = async (event: string, payload: Record<string, any>) => {
      const r = await stack.send(event, payload);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      runs.push(r.body.workflowId);
    };
    await send('issues', example('issues', 'opened'));
    for (const n of [9201, 9202, 9203]) await send('pull_request', stack.withPull(pullNumbered(n)));
    await send('issues', example('issues', 'labeled'));
    const s = stack.sandbox;
    const committed = () =>
      s.comments.length === 1 &&
      s.reviews.length === 1 &&
      s.labels.size === 1 &&
      s.checkRuns.length === 1 &&
      s.deploys.length === 1;
    for (let i = 0; i < 600 && !committed(); i++) await new Promise((res) => setTimeout(res, 50));
    assert.ok(committed(), 'every write is committed and its answer held back');
    await workers[0]!.kill('SIGKILL');
    workers.push(await startWorkerProcess(join(dir, 'daemon.yaml'), env));
    // Each activity's heartbeat timeout (15 s) passes; each retry finds its write instead of repeating it.
    for (const id of runs) await stack.client.workflow.getHandle(id).result();
    assert.equal(s.reviews.length, 1);
    assert.equal(s.checkRuns.length, 1);
    assert.deepEqual(
      [...s.labels.values()].map((l) => [...l]),
      [['reviewed']],
    );
    assert.equal(s.deploys.length, 1);
    // One answer per issue and PR (the PR agents answer after their write), the flow's announcement and summary.
    assert.deepEqual(s.comments.map((c) => rendered(c.body).split('\n')[0]).sort(), [
      '### Flow `ship` for `default`: completed',
      'Answered once.',
      'Done.',
      'Done.',
      'Done.',
      'Shipped to staging.',
    ]);
  });
});
