// Activities that talk to Temporal as a client: quota reservations and environment locks.
// Reserves one analysis from an account's monthly quota. The count lives in a Temporal workflow per
// account and month (no database of our own); updates to it are serialized, so it is exact under
// concurrent reviews, and the reservation key makes a retried activity count once.
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { QuotaGrant } from '../../workflows/quota.js';
import { lockRequestSignal, reserveUpdate } from '../../workflows/definitions.js';

export function createQuotaActivities(client: () => Promise<Client>, taskQueue: string) {
  return {
    async reserveQuota(input: { account: string; month: string; limit: number; key: string }): Promise<QuotaGrant> {
      const c = await client();
      const start = new WithStartWorkflowOperation('quotaWorkflow', {
        workflowId: `quota/${input.account}/${input.month}`,
        taskQueue,
        args: [{ account: input.account, month: input.month }],
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
      return c.workflow.executeUpdateWithStart(reserveUpdate, { args: [input.key, input.limit], startWorkflowOperation: start, updateId: input.key });
    },
  };
}

export function createLockActivities(client: () => Promise<Client>, taskQueue: string) {
  return {
    /** Joins an environment's deploy queue (starting its lock workflow if none runs). */
    async requestLock(input: { lockId: string; requester: string; label: string }): Promise<void> {
      const c = await client();
      await c.workflow.signalWithStart('envLockWorkflow', { workflowId: input.lockId, taskQueue, args: [{}], signal: lockRequestSignal, signalArgs: [{ requester: input.requester, label: input.label }] });
    },
  };
}

export type LockActivities = ReturnType<typeof createLockActivities>;
export type QuotaActivities = ReturnType<typeof createQuotaActivities>;
