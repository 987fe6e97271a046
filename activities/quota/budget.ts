// Counts one agent or fleet run against its repository owner's budget window (spec.budgets), for the
// routed workflow that is about to run it. The window's count workflow (workflows/run-budget.ts) is
// addressed by id and started on first use (update-with-start), the update's id is the delivery: a
// redelivery, or this activity retried after a lost answer, is counted once and gets the first answer.
// A run over budget is refused by the update's validator; the refusal comes back as an answer.
import {
  WithStartWorkflowOperation,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import { spendUpdate, type BudgetSpend } from '../../workflows/definitions.js';
import type { runBudgetWorkflow } from '../../workflows/run-budget.js';
import { budgetWorkflowId } from '../../src/temporal/budget-window.js';
import { retryWhileBusy } from './retry-busy.js';

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

/**
 * One update at a time per count workflow from this process: Temporal lets only 10 updates wait on one
 * workflow and aborts them in bulk under pressure, so a burst of one owner's runs (hundreds of issues
 * opened together) sent at once became a storm of refused and retried updates in which almost nothing was
 * counted. In turn, each spend costs one round trip, and every worker process sends one at a time.
 */
function oneAtATime() {
  const tails = new Map<string, Promise<unknown>>();
  return <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const run = (tails.get(key) ?? Promise.resolve()).then(fn, fn);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => tails.get(key) === tail && tails.delete(key));
    return run;
  };
}

export function createBudgetActivities(client: () => Promise<Client>, taskQueue: string) {
  const inTurn = oneAtATime();
  return {
    async spendBudget(r: BudgetRequest): Promise<BudgetAnswer> {
      const { account, window, closesAt, ...spend } = r;
      const c = await client();
      const workflowId = budgetWorkflowId(taskQueue, account, window);
      try {
        // Retried at once while Temporal says the count is busy (a burst of runs of one owner).
        const usage = await inTurn(workflowId, () =>
          retryWhileBusy(() =>
            c.workflow.executeUpdateWithStart(spendUpdate, {
              args: [spend],
              updateId: spend.key,
              startWorkflowOperation: new WithStartWorkflowOperation<typeof runBudgetWorkflow>('runBudgetWorkflow', {
                workflowId,
                taskQueue,
                args: [{ account, window, closesAt }],
                workflowIdConflictPolicy: 'USE_EXISTING',
              }),
            }),
          ),
        );
        return { allowed: true, ...usage };
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError && !(err instanceof WorkflowUpdateRPCTimeoutOrCancelledError)) {
          const over = /over budget: (sender|account)/.exec(err.cause?.message ?? err.message)?.[1];
          if (over) return { allowed: false, over: over as 'sender' | 'account', taskQueue };
        }
        throw err;
      }
    },
  };
}

export type BudgetActivities = ReturnType<typeof createBudgetActivities>;
