// Upgrading a month that is under way: a count started by the old code carried every key across
// continue-as-new (`keys`). The run the new code takes over from it counts those keys as counted, and an
// old worker's `reserve` (during a rolling upgrade) and the new reservations count each key once between
// them.
import assert from 'node:assert/strict';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { createQuotaActivities } from '../../activities/quota/index.js';
import { quotaWorkflowId } from '../../src/gate/quota.js';
import { reserveUpdate } from '../../workflows/definitions.js';
import { testTemporal, workflowBundle } from '../harness/temporal.js';

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never;

describe('a quota month carried over from the old code', function () {
  this.timeout(60_000);

  it('counts the keys the old run carried as counted, and each key once across old and new workers', async () => {
    const env = await testTemporal();
    const taskQueue = `quota-upgrade-${Date.now()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: createQuotaActivities(async () => env.client, taskQueue),
    });
    await worker.runUntil(async () => {
      const { reserveQuota } = createQuotaActivities(async () => env.client, taskQueue);
      const account = `upgrade-${Date.now()}`;
      const month = new Date().toISOString().slice(0, 7);
      const key = (n: number) => `octo/old#1@${String(n).repeat(40)}`;
      // What the old code's continue-as-new starts: the month so far, with every key it counted.
      const count = await env.client.workflow.start('quotaWorkflow', {
        workflowId: quotaWorkflowId(account, month),
        taskQueue,
        args: [{ account, month, used: 2, keys: [key(1), key(2)] }],
      });
      const reserve = (n: number) => reserveQuota({ account, month, limit: 10, key: key(n) });
      const oldWorker = (n: number) => count.executeUpdate(reserveUpdate, { args: [key(n), 10], updateId: key(n) });

      assert.deepEqual(await reserve(1), { allowed: true, used: 2, limit: 10 }, 'a key of the old run counted again');
      assert.deepEqual(await reserve(3), { allowed: true, used: 3, limit: 10 });
      assert.deepEqual(
        await oldWorker(3),
        { allowed: true, used: 3, limit: 10 },
        'an old worker counted a new key again',
      );
      assert.deepEqual(await oldWorker(4), { allowed: true, used: 4, limit: 10 });
      assert.deepEqual(await reserve(4), { allowed: true, used: 4, limit: 10 }, "an old worker's key counted again");
      assert.deepEqual(await reserve(5), { allowed: true, used: 5, limit: 10 });
      await count.terminate('test over');
    });
  });
  it('a count run by a worker from before batches is sent the keys one by one', async () => {
    const env = await testTemporal();
    const taskQueue = `quota-before-batches-${Date.now()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await bundleWorkflowCode({
        workflowsPath: fileURLToPath(new URL('fixtures/quota-before-batches.ts', import.meta.url)),
        logger: quiet,
      }),
    });
    await worker.runUntil(async () => {
      const { reserveQuota } = createQuotaActivities(async () => env.client, taskQueue);
      const account = `before-batches-${Date.now()}`;
      const month = new Date().toISOString().slice(0, 7);
      const grants = await Promise.all(
        Array.from({ length: 30 }, (_, i) => reserveQuota({ account, month, limit: 20, key: `k${i % 25}` })),
      );
      const granted = grants.slice(0, 25).filter((g) => g.allowed);
      assert.deepEqual(
        granted.map((g) => g.used).sort((a, b) => a - b),
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      for (let i = 25; i < 30; i++) assert.deepEqual(grants[i], grants[i - 25], `key k${i - 25} got two answers`);
      await env.client.workflow.getHandle(quotaWorkflowId(account, month)).terminate('test over');
    });
  });
});
