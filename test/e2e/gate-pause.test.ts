// Pausing a pull request's gate, and its quiet period (issue 28, item 4), end to end: signed comments
// and pushes into the ingress, a Temporal dev server of this file's own (its continue-as-new suggestion
// lowered to 40 history events, so a paused gate continues as new on the way), the GitHub sandbox and a
// fake Anthropic API. What a GitHub user sees: one reply per command, and every push that is not reviewed
// has a completed, neutral check saying why (paused, superseded).
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { startDevServer } from '../../src/temporal/dev-server.js';
import { createWorkers, runWorkers } from '../../src/worker/create-workers.js';
import { recordIfAsked } from '../harness/record-histories.js';
import { daemonYaml, triggerYaml, GITHUB_TEST_PLATFORM } from '../harness/config-dir.js';
import { startStackFor, TEST_ANTHROPIC_KEY, type Stack } from '../harness/stack.js';
import { workflowBundle } from '../harness/temporal.js';
import { pullRequests } from '../harness/deploy-hook.js';
import { addedFile, pullRequest, sha } from '../harness/synthetic-pr.js';
import { until } from '../harness/until.js';
import { FakeAnthropic, gateAnswer } from '../fakes/fake-anthropic.js';

describe('pausing a gate, and its quiet period (issue 28, item 4)', function () {
  this.timeout(180_000);
  const fake = new FakeAnthropic();
  let temporal: TestWorkflowEnvironment;
  let stack: Stack;
  let restarted: Worker[] = [];
  let running: Promise<unknown> = Promise.resolve();
  let anthropicUrl = '';
  before(async () => {
    anthropicUrl = await fake.start();
    temporal = await startDevServer({ dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 40 } });
    stack = await startStackFor(
      {
        'daemon.yaml': daemonYaml(GITHUB_TEST_PLATFORM, '  gates: {directory: gates}\n'),
        'gates/g.yaml':
          'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: afa}\nspec:\n  title: AFA\n  model: anthropic:claude-test\n  reviewers: [security]\n  billing: {default_tier: enterprise}\n' +
          '---\napiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: quiet}\nspec:\n  title: AFA\n  quiet_period: 3s\n  billing: {default_tier: enterprise}\n',
        'triggers/t.yaml': triggerYaml(
          'pausable',
          'config:\n  repositories: ["pause-org/*"]\n  github_events: [pull_request, issue_comment]\ncommands:\n  pull_request.opened: {gate: afa}\n  pull_request.synchronize: {gate: afa}\n  /pause: {gate: afa}\n  /resume: {gate: afa}',
        ),
        'triggers/q.yaml': triggerYaml(
          'quiet',
          'config:\n  repositories: ["quiet-org/*"]\n  github_events: [pull_request]\ncommands:\n  pull_request.opened: {gate: quiet}\n  pull_request.synchronize: {gate: quiet}',
        ),
      },
      { temporal, providers: { anthropic: { apiKey: TEST_ANTHROPIC_KEY, baseURL: anthropicUrl } } },
    );
    fake.respondWith((body) => gateAnswer(body));
    for (const u of ['alice', 'mallory'])
      stack.sandbox.permissions.set(`pause-org/app:${u}`, u === 'alice' ? 'write' : 'read');
  });
  after(async () => {
    for (const w of restarted) if (w.getState() === 'RUNNING') w.shutdown();
    await running;
    await stack?.stop();
    if (temporal) await recordIfAsked(temporal.client);
    await temporal?.teardown();
    await fake.stop();
  });

  /** Push `i` to `repo`#`n`: a new head with one changed function. */
  const push = async (repo: string, n: number, i: number) => {
    const head = sha(`${repo}#${n} push ${i}`);
    const p = pullRequest(repo, n, head, i === 1 ? 'opened' : 'synchronize');
    const file = addedFile('src/a.ts', `export function f${i}(x: number) {\n  return x + ${i};\n}\n`);
    stack.sandbox.addPull(repo.split('/')[0]!, repo.split('/')[1]!, p.pull_request, [file]);
    const r = await stack.send('pull_request', p);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return head;
  };
  /** The newest check run of the gate on `head`, once completed. */
  const finalCheck = async (head: string) => {
    await until(`a completed gate check on ${head.slice(0, 7)}`, () => latest(head)?.status === 'completed', {
      detail: () =>
        JSON.stringify(stack.sandbox.checkRuns.map((c) => [c.head_sha.slice(0, 7), c.status, c.output.title])),
    });
    return latest(head)!;
  };
  const latest = (head: string) => stack.sandbox.checkRuns.filter((c) => c.head_sha === head).at(-1);
  const prs = () => pullRequests(stack, 'pause-org/app', 0);
  const comment = (n: number, body: string, login: string) =>
    stack.send('issue_comment', prs().comment({ number: n, author: 'octocat' }, body, login));
  const replies = () => stack.sandbox.comments.map((c) => c.body).filter((b) => !b.includes('<!-- aof-gate-check'));
  const restartWorkers = async () => {
    for (const w of [...stack.workers, ...restarted]) if (w.getState() === 'RUNNING') w.shutdown();
    await until('the workers stopped', () => [...stack.workers, ...restarted].every((w) => w.getState() === 'STOPPED'));
    restarted = await createWorkers({
      connection: temporal.nativeConnection,
      resources: stack.resources,
      workflowBundle: await workflowBundle(),
      client: temporal.client,
      providers: { anthropic: { apiKey: TEST_ANTHROPIC_KEY, baseURL: anthropicUrl } },
    });
    running = runWorkers(restarted);
  };

  it('someone without write permission cannot pause: the bot says why, and the next push is reviewed', async () => {
    const h1 = await push('pause-org/app', 1, 1);
    assert.match((await finalCheck(h1)).output.title!, /AFA Gate Check — \d+ findings/);
    assert.equal((await comment(1, '/pause', 'mallory')).status, 201);
    await until('the refusal', () => replies().some((b) => b.includes('@mallory cannot `/pause`')));
    const asked = fake.requests.length;
    const h2 = await push('pause-org/app', 1, 2);
    const c2 = await finalCheck(h2);
    assert.match(c2.output.title!, /AFA Gate Check — \d+ findings/);
    assert.ok(fake.requests.length > asked, 'the push after a refused /pause is reviewed by the model');
    assert.equal(replies().length, 1, 'one reply, and no pause');
  });

  it('/pause: the head says paused; pushes are not reviewed across a worker restart and continue-as-new; /resume reviews the newest head', async () => {
    const h1 = await push('pause-org/app', 2, 1);
    await finalCheck(h1);
    assert.equal((await comment(2, '/pause', 'alice')).status, 201);
    await until('the head says paused', () => latest(h1)?.output.title === 'AFA Gate Check — paused by @alice');
    const paused = latest(h1)!;
    assert.equal(paused.status, 'completed');
    assert.equal(paused.conclusion, 'neutral');
    assert.deepEqual(
      replies().filter((b) => b.includes('paused by @alice')),
      [replies().find((b) => b.includes('paused by @alice'))],
      'one acknowledgement',
    );
    assert.match(replies().at(-1)!, /gate paused by @alice: pushes to this pull request are not reviewed until/);

    await restartWorkers();
    const asked = fake.requests.length;
    const heads: string[] = [];
    for (let i = 2; i <= 7; i++) {
      const head = await push('pause-org/app', 2, i);
      heads.push(head);
      const check = await finalCheck(head);
      assert.equal(check.output.title, 'AFA Gate Check — paused by @alice', `push ${i}`);
      assert.equal(check.conclusion, 'neutral');
      assert.match(check.output.summary!, /Not reviewed: @alice paused this gate/);
    }
    assert.equal(fake.requests.length, asked, 'no model call while paused');
    const continued: string[] = [];
    for await (const w of temporal.client.workflow.list({
      query: `WorkflowId = 'gate/pause-org/app#2' AND ExecutionStatus = 'ContinuedAsNew'`,
    }))
      continued.push(w.runId);
    assert.ok(
      continued.length >= 1,
      'the gate never continued as new: the test proves nothing about carrying the pause',
    );
    const state = await temporal.client.workflow.getHandle('gate/pause-org/app#2').query('gateState');
    assert.deepEqual((state as { paused?: unknown }).paused, { by: 'alice' });

    assert.equal((await comment(2, '/resume', 'alice')).status, 201);
    const newest = heads.at(-1)!;
    await until('the newest head is reviewed', () =>
      /AFA Gate Check — \d+ findings/.test(latest(newest)?.output.title ?? ''),
    );
    await finalCheck(newest);
    assert.ok(fake.requests.length > asked, 'the model reviews the newest head');
    assert.ok(replies().some((b) => b.includes('gate resumed by @alice: reviewing the newest head')));
    for (const h of heads.slice(0, -1)) assert.equal(latest(h)!.output.title, 'AFA Gate Check — paused by @alice');
    // Resumed once: the gate settles idle (not paused, nothing waiting) after one review of the newest head.
    const gate = temporal.client.workflow.getHandle('gate/pause-org/app#2');
    await until('the gate is idle', async () => {
      const st = (await gate.query('gateState')) as { paused?: unknown; pending: boolean; reviewing?: string };
      return !st.paused && !st.pending && !st.reviewing;
    });
    assert.equal(
      stack.sandbox.checkRuns.filter((c) => c.head_sha === newest && /findings/.test(c.output.title ?? '')).length,
      1,
    );
  });

  it('quiet period: three quick pushes give one review of the newest head; the older heads say superseded', async () => {
    const heads = [];
    for (let i = 1; i <= 3; i++) heads.push(await push('quiet-org/app', 1, i));
    const [h1, h2, h3] = heads as [string, string, string];
    const reviewed = await finalCheck(h3);
    assert.match(reviewed.output.title!, /AFA Gate Check — \d+ findings/);
    for (const h of [h1, h2]) {
      const c = await finalCheck(h);
      assert.equal(c.output.title, `AFA Gate Check — superseded by ${h3.slice(0, 7)}`);
      assert.equal(c.conclusion, 'neutral');
    }
    const reviews = stack.sandbox.checkRuns.filter(
      (c) => c.repo === 'app' && c.owner === 'quiet-org' && !/superseded/.test(c.output.title ?? ''),
    );
    assert.equal(reviews.length, 1, 'one review');
    assert.equal(
      stack.sandbox.comments.filter((c) => c.owner === 'quiet-org' && c.body.includes('<!-- aof-gate-check')).length,
      1,
    );
  });
});
