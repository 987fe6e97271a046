// Counts one agent or fleet run against its repository owner's budget window (spec.budgets), for the
// routed workflow that is about to run it. The window's count workflow (workflows/run-budget.ts) is
// addressed by id and started on first use (update-with-start). The runs this process asks for at the
// same moment go together, one batch update at a time per window (count-batches.ts, as the quota's
// reservations do): a burst of one owner's runs (hundreds of issues opened together) is a handful of
// updates, not a storm of refused ones. Each spend's key is its delivery: the window answers a key it
// already counted as the first time, so a redelivery, or a batch sent again after a lost answer, counts
// nothing twice. A batch whose every run is over budget is refused by the update's validator (nothing in
// history); the refusals come back as answers.
import {
  WithStartWorkflowOperation,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import {
  spendBatchUpdate,
  spendUpdate,
  type BudgetBatchAnswer,
  type BudgetSpend,
} from '../../workflows/definitions.js';
import type { runBudgetWorkflow } from '../../workflows/run-budget.js';
import { budgetWorkflowId } from '../../src/temporal/budget-window.js';
import { mapLimit } from '../../workflows/map-limit.js';
import { BATCH_DEADLINE_MS, CountBatches } from './count-batches.js';
import { retryWhileBusy, unknownUpdate } from './retry-busy.js';

export interface BudgetRequest extends BudgetSpend {
  /** The repository owner, lowercased. */
  account: string;
  /** The window's label (budget-window.ts), computed by the workflow. */
  window: string;
  /** When the window's count workflow ends. */
  closesAt: number;
}

/** A refusal names the task queue of the window's count: the reply's id carries it (a recorded value). */
export type BudgetAnswer =
  { allowed: true; used: number; sender: number } | { allowed: false; over: 'sender' | 'account'; taskQueue: string };

/** One window's count workflow. */
type Window = Pick<BudgetRequest, 'account' | 'window' | 'closesAt'>;

/** The reasons a validator gave for refusing a whole batch (or one spend), else undefined. */
function refusals(err: unknown): BudgetBatchAnswer[] | undefined {
  if (!(err instanceof WorkflowUpdateFailedError) || err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return;
  const text = err.cause?.message ?? err.message;
  const list = /over budget: (\[.*\])/.exec(text)?.[1];
  if (list) return (JSON.parse(list) as ('sender' | 'account')[]).map((over) => ({ over }));
  const one = /over budget: (sender|account)/.exec(text)?.[1];
  return one ? [{ over: one as 'sender' | 'account' }] : undefined;
}

/** `taskQueue` names the windows (and the refusal replies); they run on `countsQueue`. */
export function createBudgetActivities(client: () => Promise<Client>, taskQueue: string, countsQueue = taskQueue) {
  const start = (w: Window) =>
    new WithStartWorkflowOperation<typeof runBudgetWorkflow>('runBudgetWorkflow', {
      workflowId: budgetWorkflowId(taskQueue, w.account, w.window),
      taskQueue: countsQueue,
      args: [{ account: w.account, window: w.window, closesAt: w.closesAt }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
  // Retried at once while Temporal says the window is busy, all within the batch's deadline. A window run
  // by a worker from before batches does not know the batch update: it then gets the spends one by one.
  const batches = new CountBatches<Window, BudgetSpend, BudgetBatchAnswer>(async (w, spends, updateId) => {
    const c = await client();
    const deadline = Date.now() + BATCH_DEADLINE_MS;
    const inTime = <T>(fn: () => Promise<T>) =>
      c.withDeadline(deadline, () => retryWhileBusy(fn, deadline - Date.now()));
    const settled = (answers: BudgetBatchAnswer[]) => answers.map((value) => ({ status: 'fulfilled' as const, value }));
    try {
      return settled(
        await inTime(() =>
          c.workflow.executeUpdateWithStart(spendBatchUpdate, {
            args: [spends],
            updateId,
            startWorkflowOperation: start(w),
          }),
        ),
      );
    } catch (err) {
      const refused = refusals(err);
      if (refused?.length === spends.length) return settled(refused);
      if (!unknownUpdate(err)) throw err;
      return mapLimit(spends, 4, (s) =>
        inTime(() =>
          c.workflow.executeUpdateWithStart(spendUpdate, {
            args: [s],
            updateId: s.key,
            startWorkflowOperation: start(w),
          }),
        ).then(
          (value) => ({ status: 'fulfilled' as const, value: value as BudgetBatchAnswer }),
          (reason: unknown) => {
            const over = refusals(reason)?.[0];
            return over ? { status: 'fulfilled' as const, value: over } : { status: 'rejected' as const, reason };
          },
        ),
      );
    }
  });
  return {
    async spendBudget(r: BudgetRequest): Promise<BudgetAnswer> {
      const { account, window, closesAt: _closesAt, ...spend } = r;
      const answer = await batches.count(budgetWorkflowId(taskQueue, account, window), r, spend);
      return 'over' in answer ? { allowed: false, over: answer.over, taskQueue } : { allowed: true, ...answer };
    },
  };
}

export type BudgetActivities = ReturnType<typeof createBudgetActivities>;
