// platforms.github.requests_per_second counts HTTP requests, for all workers together: each page of a
// listing inside one activity is paced, and two worker processes on the GitHub queue share the rate.
import assert from 'node:assert/strict';
import { busiestWindow } from '../harness/busiest-window.js';
import { daemonYaml, triggerYaml, GITHUB_TEST_PLATFORM } from '../harness/config-dir.js';
import { startStack, startStackFor, type Stack } from '../harness/stack.js';
import { example } from '../../src/fixtures/webhook-examples.js';
import { workerMetrics } from '../../src/telemetry/worker-metrics.js';
import { addedFile, pullRequest, sha, tsFunctions } from '../harness/synthetic-pr.js';
import { startWorkerProcess, workerEnvFor, type WorkerProcess } from '../harness/worker-process.js';

const RATE = 4;

describe('GitHub request rate across activities and workers', function () {
  this.timeout(180_000);
  let stack: Stack;
  let second: WorkerProcess | undefined;
  before(async () => {
    stack = await startStackFor({
      'daemon.yaml': daemonYaml(
        `${GITHUB_TEST_PLATFORM}\nrequests_per_second: ${RATE}`,
        '  gates: {directory: gates}\n',
      ),
      'gates/g.yaml': 'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: g}\nspec:\n  title: Rate\n',
      'triggers/t.yaml': triggerYaml(
        't',
        'config:\n  github_events: [pull_request]\ncommands:\n  pull_request: {gate: g}',
      ),
    });
    // A second worker process on the same queues takes its share of the rate.
    second = await startWorkerProcess(stack.resources.daemonFile, await workerEnvFor(stack));
    // The first worker learns of the second at its next refresh of the share (every 5 s).
    await new Promise((r) => setTimeout(r, 7000));
  });
  after(async () => {
    await second?.kill('SIGTERM');
    await stack?.stop();
  });

  /** The GitHub workers that ran this stack's GitHub activities, from the workflows' histories. */
  async function githubWorkerIdentities(): Promise<Set<string>> {
    const ids = new Set<string>();
    const queue = stack.resources.daemon.spec.temporal.task_queue;
    for await (const w of stack.client.workflow.list({ query: `TaskQueue = "${queue}"` })) {
      const history = await stack.client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
      for (const e of history.events ?? [])
        if (e.activityTaskStartedEventAttributes?.identity?.match(/#\d+$/))
          ids.add(e.activityTaskStartedEventAttributes.identity);
    }
    return ids;
  }

  it('three gates on PRs with 300 comments each never exceed the rate in any second', async () => {
    const heads: string[] = [];
    for (const n of [1, 2, 3]) {
      const head = sha(`rate:${n}`);
      heads.push(head);
      const p = pullRequest('rate-org/app', n, head);
      stack.sandbox.addPull('rate-org', 'app', p.pull_request, [addedFile('src/a.ts', tsFunctions(2, `r${n}`))]);
      // Listing the comments (to find the gate's own) takes 3 pages of 100.
      for (let i = 0; i < 300; i++)
        stack.sandbox.comments.push({
          id: 1_000_000 + n * 1000 + i,
          owner: 'rate-org',
          repo: 'app',
          issueNumber: n,
          body: `comment ${i}`,
          user: 'someone',
          created_at: '2026-11-24T00:00:00Z',
          updated_at: '2026-11-24T00:00:00Z',
        });
      assert.equal((await stack.send('pull_request', p)).status, 201);
    }
    const done = () =>
      heads.every((h) => stack.sandbox.checkRuns.some((c) => c.head_sha === h && c.status === 'completed')) &&
      [1, 2, 3].every((n) => stack.sandbox.commentsOn('rate-org', 'app', n).length === 301);
    while (!done()) await new Promise((r) => setTimeout(r, 100));

    const at = stack.sandbox.requests.filter((r) => !r.path.startsWith('/_sandbox')).map((r) => r.at);
    assert.ok(at.length >= 3 * 7, `${at.length} requests`);
    // Unpaced, each listing's pages alone would come within milliseconds; each worker alone at the full rate
    // would give twice the rate.
    assert.ok(busiestWindow(at) <= RATE + 1, `${busiestWindow(at)} requests within one second`);
    assert.equal((await githubWorkerIdentities()).size, 2, 'both workers ran GitHub activities');
  });
});

// GitHub's own budgets, with no requests_per_second: 80 content-creating requests a minute per
// installation or token, for all worker processes together; a quiet review is not held back at all.
describe("GitHub's budgets across worker processes", function () {
  this.timeout(600_000);
  let stack: Stack;
  const others: WorkerProcess[] = [];
  const metrics = workerMetrics();
  before(async () => {
    // One sender opens all 200: more runs than a sender's budget of agent runs allows by default.
    stack = await startStack({ metrics, mutate: (r) => (r.daemon.spec.budgets.per_sender = 1000) });
    // Two more worker processes on the same queues: three share the budgets of the one token.
    for (let i = 0; i < 2; i++)
      others.push(await startWorkerProcess(stack.resources.daemonFile, await workerEnvFor(stack)));
  });
  after(async () => {
    await Promise.all(others.map((w) => w.kill('SIGTERM')));
    await stack?.stop();
  });

  const delayed = async () => (await metrics.githubRequestsDelayed.get()).values[0]?.value ?? 0;
  const commentsOn = (p: Record<string, any>) => {
    const [owner, repo] = String(p.repository.full_name).split('/');
    return stack.sandbox.commentsOn(owner!, repo!, p.pull_request.number).length;
  };
  const writesAt = () =>
    stack.sandbox.requests.filter((r) => r.method !== 'GET' && !r.path.startsWith('/_sandbox')).map((r) => r.at);

  it('a single review in a quiet system: the pacer holds none of its requests back', async () => {
    const p = stack.withPull(example('pull_request', 'opened'));
    const before = stack.sandbox.requests.length;
    const res = await stack.send('pull_request', p);
    await stack.client.workflow.getHandle(res.body.workflowId).result();
    assert.equal(commentsOn(p), 1);
    assert.ok(stack.sandbox.requests.length - before >= 2, 'it made its requests');
    assert.equal(await delayed(), 0, 'requests that waited for the pacer');
  });

  it('a burst of 100 comments over 20 PRs never puts more than 80 content-creating requests into any 60 s', async () => {
    // The first worker learns of the other two at its next refresh of the share (every 5 s).
    await new Promise((r) => setTimeout(r, 7000));
    const writesBefore = writesAt().length;
    const prs = Array.from({ length: 20 }, (_, i) => {
      const p = example('pull_request', 'opened');
      p.pull_request.number = 5000 + i;
      p.number = 5000 + i;
      return stack.withPull(p);
    });
    // One delivery after another, as GitHub sends them (the ingress's per-owner budget takes a few at once).
    // 100 writes: more than one minute's 80, so the pacer must hold 20 of them into the next minute.
    for (let round = 0; round < 5; round++)
      for (const p of prs) {
        const r = await stack.send('pull_request', p);
        assert.equal(r.status, 201, JSON.stringify(r.body));
      }
    const comments = () => prs.reduce((n, p) => n + commentsOn(p), 0);
    while (comments() < 100) await new Promise((r) => setTimeout(r, 500));

    const writes = writesAt().slice(writesBefore);
    assert.ok(writes.length >= 100, `${writes.length} content-creating requests`);
    assert.ok(busiestWindow(writes, 60_000) <= 80, `${busiestWindow(writes, 60_000)} within 60 s`);
    assert.equal(comments(), 100, 'each delivery commented once');
  });
});
