// The agent runs of one repository owner in one window (`budget/<task queue>/<owner>/<window start>`): the
// one place that counts them, so every routed workflow (activity spendBudget, activities/quota/budget.ts)
// shares the count and it is exact (updates are serialized). A run over budget is refused by the update's validator, which leaves nothing in history;
// what is counted (at most the account's budget of keys) is carried across continue-as-new.
import { allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import { markRun } from './run-attributes.js';
import { spendBatchUpdate, spendUpdate, type BudgetSpend } from './definitions.js';

export interface RunBudgetState {
  account: string;
  /** The window's start, as ISO text. */
  window: string;
  /** When the workflow ends: the window's end with some slack for clocks that run behind. */
  closesAt: number;
  used?: number;
  /** Runs counted per sender. */
  senders?: Record<string, number>;
  /** Keys (deliveries) counted. */
  keys?: string[];
}

export async function runBudgetWorkflow(state: RunBudgetState): Promise<{ used: number }> {
  markRun('runBudgetWorkflow', { kind: 'budget' }, 'open');
  let used = state.used ?? 0;
  const senders = new Map(Object.entries(state.senders ?? {}));
  const keys = new Set(state.keys ?? []);
  const refusal = (s: BudgetSpend): 'sender' | 'account' | undefined => {
    if (keys.has(s.key)) return undefined;
    if ((senders.get(s.sender) ?? 0) >= s.perSender) return 'sender';
    if (used >= s.perAccount) return 'account';
    return undefined;
  };
  const spend = (s: BudgetSpend) => {
    if (!keys.has(s.key) && !refusal(s)) {
      keys.add(s.key);
      used++;
      senders.set(s.sender, (senders.get(s.sender) ?? 0) + 1);
    }
    return { used, sender: senders.get(s.sender) ?? 0 };
  };
  // Counts only grow within a batch: a run refused on its own is refused after the others too.
  setHandler(
    spendBatchUpdate,
    (batch) =>
      batch.map((s) => {
        const over = refusal(s);
        return over ? { over: over as 'sender' | 'account' } : spend(s);
      }),
    {
      validator: (batch) => {
        const over = batch.map(refusal);
        if (over.every(Boolean)) throw new Error(`over budget: ${JSON.stringify(over)}`);
      },
    },
  );
  setHandler(spendUpdate, spend, {
    validator: (s) => {
      const over = refusal(s);
      if (over) throw new Error(`over budget: ${over}`);
    },
  });
  while (Date.now() < state.closesAt) {
    if (await condition(() => workflowInfo().continueAsNewSuggested, state.closesAt - Date.now())) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof runBudgetWorkflow>({
        ...state,
        used,
        senders: Object.fromEntries(senders),
        keys: [...keys],
      });
    }
  }
  await condition(allHandlersFinished);
  return { used };
}
