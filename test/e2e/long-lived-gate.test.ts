// The gate of a long-lived pull request continues as new when Temporal suggests it. With the suggestion
// lowered to 30 history events (a dev server of this test's own), eight pushes, each reviewed before the
// next, must give eight completed check runs: the push that arrives as the gate continues as new goes
// along with it instead of being dropped.
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startDevServer } from '../../src/temporal/dev-server.js';
import { recordIfAsked } from '../harness/record-histories.js';
import { daemonYaml, triggerYaml, GITHUB_TEST_PLATFORM } from '../harness/config-dir.js';
import { startStackFor, type Stack } from '../harness/stack.js';
import { addedFile, pullRequest, sha } from '../harness/synthetic-pr.js';
import { until } from '../harness/until.js';
import { FakeAnthropic, gateAnswer } from '../fakes/fake-anthropic.js';

describe('a long-lived gate across continue-as-new', function () {
  this.timeout(180_000);
  let temporal: TestWorkflowEnvironment;
  let stack: Stack;
  before(async () => {
    temporal = await startDevServer({ dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 30 } });
    stack = await startStackFor(
      {
        'daemon.yaml': daemonYaml(GITHUB_TEST_PLATFORM, '  gates: {directory: gates}\n'),
        'gates/g.yaml': 'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: afa}\nspec:\n  title: AFA\n',
        'triggers/t.yaml': triggerYaml(
          'gate',
          'config:\n  github_events: [pull_request]\ncommands:\n  pull_request: {gate: afa}',
        ),
      },
      { temporal },
    );
  });
  after(async () => {
    await stack?.stop();
    // Its gates continue as new here only: their histories are recorded from this server.
    if (temporal) await recordIfAsked(temporal.client);
    await temporal?.teardown();
  });

  it('8 pushes, 8 completed check runs, and the gate continued as new on the way', async () => {
    for (let i = 1; i <= 8; i++) {
      const file = addedFile('src/a.ts', `export function f${i}() {\n  return ${i};\n}\n`);
      const head = sha(`push ${i}`);
      const p = pullRequest('octo/long', 12, head, i === 1 ? 'opened' : 'synchronize');
      stack.sandbox.addPull('octo', 'long', p.pull_request, [file]);
      assert.equal((await stack.send('pull_request', p)).status, 201);
      for (
        let t = 0;
        t < 300 && stack.sandbox.checkRuns.find((c) => c.head_sha === head)?.status !== 'completed';
        t++
      ) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(
        stack.sandbox.checkRuns.find((c) => c.head_sha === head)?.status,
        'completed',
        `push ${i} was not reviewed`,
      );
    }
    assert.equal(stack.sandbox.checkRuns.length, 8);
    const runs: string[] = [];
    for await (const w of stack.client.workflow.list({
      query: `WorkflowId = 'gate/octo/long#12' AND ExecutionStatus = 'ContinuedAsNew'`,
    }))
      runs.push(w.runId);
    assert.ok(runs.length >= 1, 'the gate never continued as new: the test proves nothing');
    // The open gate shows its state instead of "queued" for ever.
    const states: unknown[] = [];
    for (let i = 0; i < 50 && !states.length; i++) {
      const query = `WorkflowId = 'gate/octo/long#12' AND ExecutionStatus = 'Running' AND AofKind = 'gate' AND AofState STARTS_WITH 'idle: '`;
      for await (const w of stack.client.workflow.list({ query })) states.push(w.searchAttributes.AofState);
      if (!states.length) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(states.length, 1);
  });

  it('late pushes while a review runs: the gate continues as new after it, and the next head is reviewed once', async () => {
    // The model holds the first review until the test lets it answer, so the late deliveries arrive while
    // it runs; each used to cost an activity in the gate's history, with no continue-as-new until the next
    // review.
    const fake = new FakeAnthropic();
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    fake.respondWith(async (body) => {
      await released;
      return gateAnswer(body);
    });
    const held = await startStackFor(
      {
        'daemon.yaml': daemonYaml(GITHUB_TEST_PLATFORM, '  gates: {directory: gates}\n'),
        'gates/g.yaml':
          'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: afa}\nspec:\n  title: AFA\n  model: anthropic:claude-test\n  reviewers: [security]\n  billing: {default_tier: enterprise}\n',
        'triggers/t.yaml': triggerYaml(
          'gate',
          'config:\n  github_events: [pull_request]\ncommands:\n  pull_request: {gate: afa}',
        ),
      },
      { temporal, anthropic: fake },
    );
    try {
      const gateId = 'gate/octo/late#7';
      const push = async (head: string, action: string, seed: boolean) => {
        const p = pullRequest('octo/late', 7, head, action);
        if (seed)
          held.sandbox.addPull('octo', 'late', p.pull_request, [
            addedFile('src/a.ts', `export function g() {\n  return '${head}';\n}\n`),
          ]);
        assert.equal((await held.send('pull_request', p)).status, 201);
      };
      const first = sha('late first');
      await push(first, 'opened', true);
      await until('the first review asks the model', () => fake.requests.length > 0);
      // Late deliveries of heads the PR has moved past (the sandbox keeps `first` as the PR's head).
      const stale = Array.from({ length: 12 }, (_, i) => sha(`late stale ${i}`));
      for (const head of stale) await push(head, 'synchronize', false);
      const received = async () => {
        let n = 0;
        for (const e of (await held.client.workflow.getHandle(gateId).fetchHistory()).events ?? [])
          if (e.workflowExecutionSignaledEventAttributes) n++;
        return n;
      };
      const continued = async () => {
        for await (const _ of held.client.workflow.list({
          query: `WorkflowId = '${gateId}' AND ExecutionStatus = 'ContinuedAsNew'`,
        }))
          return true;
        return false;
      };
      await until('the gate took in every late push', async () => (await continued()) || (await received()) >= 13);
      release();
      await until(
        'the first review completed',
        () => held.sandbox.checkRuns.find((c) => c.head_sha === first)?.status === 'completed',
      );
      await until('the gate continued as new after the review', continued, { ms: 20_000 });

      const latest = sha('late latest');
      await push(latest, 'synchronize', true);
      await until(
        'the latest head was reviewed',
        () => held.sandbox.checkRuns.find((c) => c.head_sha === latest)?.status === 'completed',
      );
      assert.deepEqual(
        held.sandbox.checkRuns.map((c) => [c.head_sha, c.status]),
        [
          [first, 'completed'],
          [latest, 'completed'],
        ],
        'one review of the first head and one of the latest; none of the late pushes',
      );
    } finally {
      release();
      await held.stop();
    }
  });
});
