// Flow nodes on a real (time-skipping) Temporal server with activities replaced at the boundary:
// parallel branches and their joins, conditions, bounded loops, waits, templates.
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { startTimeSkippingServer } from '../../src/temporal/dev-server.js';
import { workflowBundle } from '../harness/temporal.js';
import { flowInput } from '../harness/flow-input.js';
import type { Flow } from '../../src/config/schema.js';
import type { HttpCall } from '../../activities/http/index.js';
import { renderHttpRequest } from '../../src/flows/http-request.js';

describe('flow interpreter nodes (time-skipping server)', function () {
  this.timeout(120_000);
  let env: TestWorkflowEnvironment;
  before(async () => (env = await startTimeSkippingServer()));
  after(async () => env?.teardown());

  const calls: string[] = [];
  const activities = {
    async httpCall(i: HttpCall) {
      // The request as the worker renders it, from the node's template and the values the flow passed.
      const url = i.template ? renderHttpRequest(i.template, i.values ?? {}, {}).url : i.url!;
      calls.push(`${url} ${i.idempotencyKey.split(':').slice(1).join(':')}`);
      if (url.includes('fail')) throw ApplicationFailure.nonRetryable('the hook answered 400', 'Http400');
      return { status: 200, body: '' };
    },
    async postComment(i: { body: string }) {
      calls.push(`comment: ${i.body.split('\n')[0]}`);
      return { id: 1, url: '' };
    },
  };
  const run = async (spec: Flow['spec']) => {
    calls.length = 0;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'nodes',
      workflowBundle: await workflowBundle(),
      activities,
    });
    const input = flowInput(spec, 'nodes');
    return worker.runUntil(
      env.client.workflow.execute('flowRunWorkflow', {
        workflowId: `nodes-${Math.random()}`,
        taskQueue: 'nodes',
        args: [input],
        retry: { maximumAttempts: 1 },
      }),
    );
  };

  it('parallel branches with join all / any / majority', async () => {
    const spec = (join: string): Flow['spec'] => ({
      nodes: [
        { id: 'start', type: 'parallel', config: { branches: ['a', 'b', 'c'], join } },
        { id: 'a', type: 'http', config: { url: 'http://h/ok' } },
        { id: 'b', type: 'http', config: { url: 'http://h/fail', retries: 1 } },
        { id: 'c', type: 'http', config: { url: 'http://h/ok2' } },
        { id: 'end', type: 'end', config: { status: '${start.output}' } },
      ],
      connections: [{ from: 'start', to: 'end' }],
    });
    const all = await run(spec('all'));
    assert.match(all.nodes[0].output, /^failed \(2\/3 branches succeeded, join all\)/);
    assert.equal((await run(spec('majority'))).nodes[0].output, 'joined');
    assert.equal((await run(spec('any'))).nodes[0].output, 'joined');
  });

  it('a conditional picks the branch, a bounded loop stops at its max, a wait is a durable timer', async () => {
    const started = await env.currentTimeMs();
    const result = await run({
      nodes: [
        { id: 'start', type: 'conditional', config: { expression: "metadata.pr_base_ref == 'main'" } },
        { id: 'deploy', type: 'http', config: { url: 'http://h/${event.environment}' } },
        { id: 'pause', type: 'wait', config: { duration: '2h' } },
        { id: 'done', type: 'end' },
        { id: 'never', type: 'end', config: { status: 'wrong branch' } },
      ],
      connections: [
        { from: 'start', to: 'deploy', when: "start.output == 'true'" },
        { from: 'start', to: 'never' },
        { from: 'deploy', to: 'pause' },
        { from: 'pause', to: 'deploy', max: 2 },
        { from: 'pause', to: 'done' },
      ],
    });
    assert.equal(result.status, 'completed');
    assert.deepEqual(
      result.nodes.map((n: { node: string }) => n.node),
      ['start', 'deploy', 'pause', 'deploy', 'pause', 'deploy', 'pause', 'done'],
    );
    // Each visit of the http node has its own idempotency key.
    assert.deepEqual(
      calls.filter((c) => c.startsWith('http')),
      ['http://h/staging deploy:0', 'http://h/staging deploy:1', 'http://h/staging deploy:2'],
    );
    assert.ok((await env.currentTimeMs()) - started >= 6 * 3600_000, 'three 2-hour waits passed in test time');
  });
});
