// Nodes that name their undo (`compensate`) on a real (time-skipping) Temporal server, activities replaced
// at the boundary: a failure, a flow ending short of success, or a cancellation undoes what completed,
// latest first, each once; a flow without `compensate` runs as before.
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { startTimeSkippingServer } from '../../src/temporal/dev-server.js';
import { workflowBundle } from '../harness/temporal.js';
import { until } from '../harness/until.js';
import type { FlowRunResult } from '../../workflows/flow-run.js';
import { flowInput } from '../harness/flow-input.js';
import type { Flow } from '../../src/config/schema.js';
import type { HttpCall } from '../../activities/http/index.js';
import { renderHttpRequest } from '../../src/flows/http-request.js';

describe('flow compensations (time-skipping server)', function () {
  this.timeout(120_000);
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  before(async () => {
    env = await startTimeSkippingServer();
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'undo',
      workflowBundle: await workflowBundle(),
      activities,
    });
    running = worker.run();
  });
  after(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
  });

  /** Each hook call: the path and the node:visit of its idempotency key. */
  const calls: string[] = [];
  const activities = {
    async httpCall(i: HttpCall) {
      const url = renderHttpRequest(i.template!, i.values ?? {}, {}).url;
      calls.push(`${new URL(url).pathname} ${i.idempotencyKey.split(':').slice(1).join(':')}`);
      if (url.includes('fail')) throw ApplicationFailure.nonRetryable('the hook answered 409', 'Http409');
      return { status: 200, body: '' };
    },
  };
  const start = (spec: Flow['spec']) => {
    calls.length = 0;
    return env.client.workflow.start('flowRunWorkflow', {
      workflowId: `undo-${Math.random()}`,
      taskQueue: 'undo',
      args: [flowInput(spec, 'undo')],
      retry: { maximumAttempts: 1 },
    });
  };
  const run = async (spec: Flow['spec']): Promise<FlowRunResult> => (await start(spec)).result();

  /** deploy-a and deploy-b (each with its undo), then `then`: a verify, a wait, an end. */
  const deploys = (last: Flow['spec']['nodes'], compensate = true): Flow['spec'] => ({
    nodes: [
      { id: 'start', type: 'conditional', config: { expression: "metadata.pr_base_ref == 'main'" } },
      {
        id: 'deploy-a',
        type: 'http',
        config: { url: 'http://h/deploy-a' },
        ...(compensate && { compensate: 'undo-a' }),
      },
      {
        id: 'deploy-b',
        type: 'http',
        config: { url: 'http://h/deploy-b' },
        ...(compensate && { compensate: 'undo-b' }),
      },
      { id: 'undo-a', type: 'http', config: { url: 'http://h/undo-a' } },
      { id: 'undo-b', type: 'http', config: { url: 'http://h/undo-b' } },
      ...last,
    ],
    connections: [
      { from: 'start', to: 'deploy-a' },
      { from: 'deploy-a', to: 'deploy-b' },
      { from: 'deploy-b', to: last[0]!.id },
      ...(last.length > 1 ? [{ from: last[0]!.id, to: last[1]!.id }] : []),
    ],
  });

  it('a failing verify undoes the completed deploys, latest first, each once, and fails the flow', async () => {
    const handle = await start(deploys([{ id: 'verify', type: 'http', config: { url: 'http://h/verify-fail' } }]));
    await assert.rejects(handle.result(), (e: unknown) => {
      assert.ok(e instanceof WorkflowFailedError);
      assert.match(String(((e.cause as Error).cause as Error | undefined)?.message), /the hook answered 409/);
      return true;
    });
    assert.deepEqual(calls, [
      '/deploy-a deploy-a:0',
      '/deploy-b deploy-b:0',
      '/verify-fail verify:0',
      '/undo-b undo-b:0',
      '/undo-a undo-a:0',
    ]);
  });

  it('a flow that ends short of success (rejected) undoes what completed and says so in its nodes', async () => {
    const result = await run(deploys([{ id: 'no', type: 'end', config: { status: 'rejected' } }]));
    assert.equal(result.status, 'rejected');
    assert.deepEqual(calls, ['/deploy-a deploy-a:0', '/deploy-b deploy-b:0', '/undo-b undo-b:0', '/undo-a undo-a:0']);
    assert.deepEqual(
      result.nodes.map((n) => [n.node, n.output, n.undid]),
      [
        ['start', 'true', undefined],
        ['deploy-a', '200', undefined],
        ['deploy-b', '200', undefined],
        ['no', 'rejected', undefined],
        ['undo-b', '200', 'deploy-b'],
        ['undo-a', '200', 'deploy-a'],
      ],
    );
  });

  it('a flow that succeeds undoes nothing; without compensate a failure and a rejection undo nothing', async () => {
    assert.equal((await run(deploys([{ id: 'ok', type: 'end', config: { status: 'deployed' } }]))).status, 'deployed');
    assert.deepEqual(calls, ['/deploy-a deploy-a:0', '/deploy-b deploy-b:0']);

    const rejected = await run(deploys([{ id: 'no', type: 'end', config: { status: 'rejected' } }], false));
    assert.equal(rejected.status, 'rejected');
    assert.deepEqual(calls, ['/deploy-a deploy-a:0', '/deploy-b deploy-b:0']);

    const failing = await start(
      deploys([{ id: 'verify', type: 'http', config: { url: 'http://h/verify-fail' } }], false),
    );
    await assert.rejects(failing.result(), WorkflowFailedError);
    assert.deepEqual(calls, ['/deploy-a deploy-a:0', '/deploy-b deploy-b:0', '/verify-fail verify:0']);
  });

  it('a cancelled flow undoes what completed before it stops', async () => {
    const handle = await start(
      deploys([
        { id: 'soak', type: 'wait', config: { duration: '1h' } },
        { id: 'ok', type: 'end', config: { status: 'deployed' } },
      ]),
    );
    await until('both deploys', () => calls.length === 2);
    await handle.cancel();
    await assert.rejects(handle.result(), WorkflowFailedError);
    assert.deepEqual(calls, ['/deploy-a deploy-a:0', '/deploy-b deploy-b:0', '/undo-b undo-b:0', '/undo-a undo-a:0']);
  });

  it('a compensation that fails is recorded; the ones before it still run', async () => {
    const spec = deploys([{ id: 'no', type: 'end', config: { status: 'rejected' } }]);
    spec.nodes.find((n) => n.id === 'undo-b')!.config = { url: 'http://h/undo-b-fail' };
    const result = await run(spec);
    assert.deepEqual(calls, [
      '/deploy-a deploy-a:0',
      '/deploy-b deploy-b:0',
      '/undo-b-fail undo-b:0',
      '/undo-a undo-a:0',
    ]);
    assert.match(result.nodes.find((n) => n.node === 'undo-b')!.output, /^failed: the hook answered 409/);
  });
});
