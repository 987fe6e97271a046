// Reserves one analysis from an account's monthly quota. The count lives in a Temporal workflow per
// account and month (no database of our own); updates to it are serialized, so it is exact under
// concurrent reviews, and the reservation key makes a retried activity count once.
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { QuotaGrant } from '../../workflows/quota.js';
import { reserveUpdate } from '../../workflows/definitions.js';
import { retryWhileBusy } from './retry-busy.js';

export function createQuotaActivities(client: () => Promise<Client>, taskQueue: string) {
  return {
    async reserveQuota(input: { account: string; month: string; limit: number; key: string }): Promise<QuotaGrant> {
      const c = await client();
      // An operation is used once: each try makes its own.
      return retryWhileBusy(() =>
        c.workflow.executeUpdateWithStart(reserveUpdate, {
          args: [input.key, input.limit],
          startWorkflowOperation: new WithStartWorkflowOperation('quotaWorkflow', {
            workflowId: `quota/${input.account}/${input.month}`,
            taskQueue,
            args: [{ account: input.account, month: input.month }],
            workflowIdConflictPolicy: 'USE_EXISTING',
          }),
          updateId: input.key,
        }),
      );
    },
  };
}

export type QuotaActivities = ReturnType<typeof createQuotaActivities>;
