// A burst of reservations on one account (pull requests opened together) is more updates than Temporal
// lets wait on the count workflow at once (10): each still gets its answer, and the count stays exact.
import assert from 'node:assert/strict';
import { createQuotaActivities } from '../../activities/quota/index.js';
import { isBusy } from '../../activities/quota/retry-busy.js';
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

  it('knows Temporal\'s "busy" answers from real failures', () => {
    assert.equal(
      isBusy({ code: 8, message: 'limit on number of concurrent in-flight updates has been reached' }),
      true,
    );
    assert.equal(isBusy(new Error('x', { cause: { message: 'workflow update was aborted' } })), true);
    assert.equal(isBusy(new Error('update rejected: invalid argument')), false);
  });
});
