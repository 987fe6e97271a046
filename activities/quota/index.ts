// Reserves one analysis from an account's monthly quota, with no database of our own: the account's
// count workflow counts, each pull request's ledger workflow remembers its counted heads (see
// workflows/quota.ts for why this is exact and bounded). The count is addressed by id and started on
// first use (update-with-start), so a retried activity reuses it, and its update id is the key, so a
// retry within one run gets the first answer.
import { WithStartWorkflowOperation, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { QuotaGrant } from '../../workflows/quota.js';
import { countBatchUpdate, countedQuery, countUpdate, recordedSignal } from '../../workflows/definitions.js';
import { BATCH_DEADLINE_MS, CountBatches } from './count-batches.js';
import { mapLimit } from '../../workflows/map-limit.js';
import { quotaLedgerId, quotaWorkflowId } from '../../src/gate/quota.js';
import { retryWhileBusy, unknownUpdate } from './retry-busy.js';
import { createBudgetActivities } from './budget.js';

/** One account's month: its count workflow. */
interface Month {
  account: string;
  month: string;
}

interface Reservation extends Month {
  limit: number;
  /** `owner/repo#n@head`: counted once per head. */
  key: string;
}

/** The pull request a key names, for the ledger's search attributes. */
function pullOf(key: string): { repository?: string; number?: number } {
  const m = /^(.+)#(\d+)@/.exec(key);
  return m ? { repository: m[1], number: Number(m[2]) } : {};
}

/**
 * `taskQueue`: the worker's main queue; `countsQueue`: where the counts and ledgers run (a count started
 * before they had a queue of their own stays on the main one, which still serves it).
 */
export function createQuotaActivities(client: () => Promise<Client>, taskQueue: string, countsQueue = taskQueue) {
  const start = (r: Month) =>
    new WithStartWorkflowOperation('quotaWorkflow', {
      workflowId: quotaWorkflowId(r.account, r.month),
      taskQueue: countsQueue,
      args: [{ account: r.account, month: r.month }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
  // Concurrent reservations of this process go to their count together (count-batches.ts); retried at
  // once while Temporal says the count is busy, each try its own operation, all within the batch's
  // deadline. A count run by a worker from before batches does not know the batch update: it then gets
  // the keys one by one, each answered (or failed) on its own.
  const batches = new CountBatches<Month>(async (r, items, updateId) => {
    const c = await client();
    const deadline = Date.now() + BATCH_DEADLINE_MS;
    const inTime = <T>(fn: () => Promise<T>) =>
      c.withDeadline(deadline, () => retryWhileBusy(fn, deadline - Date.now()));
    try {
      const answers = await inTime(() =>
        c.workflow.executeUpdateWithStart(countBatchUpdate, {
          args: [items],
          updateId,
          startWorkflowOperation: start(r),
        }),
      );
      return answers.map((value) => ({ status: 'fulfilled' as const, value }));
    } catch (err) {
      if (!unknownUpdate(err)) throw err;
      return mapLimit(items, 4, ([key, limit, lookedUpIn]) =>
        inTime(() =>
          c.workflow.executeUpdateWithStart(countUpdate, {
            args: [key, limit, lookedUpIn],
            updateId: lookedUpIn === null ? key : `${key} looked up in run ${lookedUpIn}`,
            startWorkflowOperation: start(r),
          }),
        ).then(
          (value) => ({ status: 'fulfilled' as const, value }),
          (reason: unknown) => ({ status: 'rejected' as const, reason }),
        ),
      );
    }
  });
  const count = (r: Reservation, lookedUpIn: number | null) =>
    batches.count(quotaWorkflowId(r.account, r.month), r, [r.key, r.limit, lookedUpIn]);
  /** What the key's ledger knows: the count the key got, or nothing (also when there is no ledger yet). */
  const lookUp = (c: Client, r: Reservation) =>
    c.workflow
      .getHandle(quotaLedgerId(r.account, r.month, r.key))
      .query(countedQuery, r.key)
      .catch((e: unknown) => {
        if (e instanceof WorkflowNotFoundError) return null;
        throw e;
      });

  return {
    // Agent runs' budget windows (budget.ts): counted the same way, with the same client.
    ...createBudgetActivities(client, taskQueue, countsQueue),

    async reserveQuota(r: Reservation): Promise<QuotaGrant> {
      const c = await client();
      let lookedUpIn: number | null = null;
      for (;;) {
        const answer = await count(r, lookedUpIn);
        if (!('lookUp' in answer)) return answer;
        const used = await lookUp(c, r);
        if (used !== null) return { allowed: true, used, limit: r.limit };
        lookedUpIn = answer.lookUp;
      }
    },

    /** The count's hand-over of a run's keys: each pull request's keys to its ledger. */
    async recordInLedgers(input: { account: string; month: string; counted: Record<string, number> }) {
      const c = await client();
      const byLedger = new Map<string, Record<string, number>>();
      for (const [key, used] of Object.entries(input.counted)) {
        const id = quotaLedgerId(input.account, input.month, key);
        byLedger.set(id, { ...byLedger.get(id), [key]: used });
      }
      await mapLimit([...byLedger], 16, ([workflowId, keys]) =>
        c.workflow.signalWithStart('quotaLedgerWorkflow', {
          workflowId,
          taskQueue: countsQueue,
          args: [{ account: input.account, month: input.month, ...pullOf(Object.keys(keys)[0]!) }],
          signal: recordedSignal,
          signalArgs: [keys],
        }),
      );
    },
  };
}

export type QuotaActivities = ReturnType<typeof createQuotaActivities>;
