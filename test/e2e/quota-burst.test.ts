// A burst of reservations on one account (pull requests opened together) would be more updates than
// Temporal lets wait on the count workflow at once (10): one worker process sends them together, each
// still gets its answer, and the count stays exact.
import assert from 'node:assert/strict';
import { createQuotaActivities } from '../../activities/quota/index.js';
import { MAX_BATCH } from '../../activities/quota/count-batches.js';
import { isBusy } from '../../activities/quota/retry-busy.js';
import { quotaWorkflowId } from '../../src/gate/quota.js';
import { startStack, type Stack } from '../harness/stack.js';

describe('quota reservations in a burst', function () {
  this.timeout(120_000);
  let stack: Stack;
  before(async () => (stack = await startStack()));
  after(async () => stack?.stop());

  it('120 reservations at once: every one answered, exactly the limit granted', async () => {
    const { reserveQuota } = createQuotaActivities(
      async () => stack.client,
      stack.resources.daemon.spec.temporal.task_queue,
    );
    const account = `burst-${Date.now()}`;
    const month = new Date().toISOString().slice(0, 7);
    const grants = await Promise.all(
      Array.from({ length: 120 }, (_, i) => reserveQuota({ account, month, limit: 100, key: `k${i}` })),
    );
    assert.equal(grants.filter((g) => g.allowed).length, 100);
    assert.equal(Math.max(...grants.map((g) => g.used)), 100);
  });

  it('500 reservations at once from one worker process: a handful of updates, each head counted once', async () => {
    const taskQueue = stack.resources.daemon.spec.temporal.task_queue;
    const { reserveQuota } = createQuotaActivities(async () => stack.client, taskQueue);
    const account = `burst-500-${Date.now()}`;
    const month = new Date().toISOString().slice(0, 7);
    const grants = await Promise.all(
      Array.from({ length: 500 }, (_, i) => reserveQuota({ account, month, limit: 1000, key: `k${i % 400}` })),
    );
    // 400 heads, 100 of them reserved twice at once: those get the same count both times.
    assert.deepEqual(
      [...new Set(grants.map((g) => g.used))].sort((a, b) => a - b),
      Array.from({ length: 400 }, (_, i) => i + 1),
    );
    for (let i = 400; i < 500; i++) assert.deepEqual(grants[i], grants[i - 400]);
    const history = await stack.client.workflow.getHandle(quotaWorkflowId(account, month)).fetchHistory();
    const updates = history.events!.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;
    assert.ok(updates >= Math.ceil(500 / MAX_BATCH) && updates <= 6, `${updates} updates for 500 reservations`);
  });

  it('knows Temporal\'s "busy" answers from real failures', () => {
    assert.equal(
      isBusy({ code: 8, message: 'limit on number of concurrent in-flight updates has been reached' }),
      true,
    );
    assert.equal(isBusy(new Error('x', { cause: { message: 'workflow update was aborted' } })), true);
    assert.equal(isBusy(new Error('update rejected: invalid argument')), false);
  });
});
