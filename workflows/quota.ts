// One account's analyses in one month. Lives until the month is over; each `reserve` update counts one
// analysis if the limit allows, once per key.
import { allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import { markRun } from './run-attributes.js';
import { reserveUpdate, type QuotaGrant } from './definitions.js';

export type { QuotaGrant };

interface QuotaState {
  account: string;
  month: string;
  used?: number;
  keys?: string[];
}

export async function quotaWorkflow(state: QuotaState): Promise<{ used: number }> {
  markRun('quotaWorkflow', { kind: 'quota' }, 'open');
  let used = state.used ?? 0;
  const keys = new Set(state.keys ?? []);
  setHandler(reserveUpdate, (key, limit) => {
    if (keys.has(key)) return { allowed: true, used, limit };
    if (used >= limit) return { allowed: false, used, limit };
    used++;
    keys.add(key);
    return { allowed: true, used, limit };
  });
  // Stay open until the month ends, so the count is never reset mid-month.
  const [year, month] = state.month.split('-').map(Number) as [number, number];
  const monthEnd = Date.UTC(year, month, 1) + 24 * 3600_000;
  while (Date.now() < monthEnd) {
    const timedOut = !(await condition(() => workflowInfo().continueAsNewSuggested, monthEnd - Date.now()));
    if (!timedOut) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof quotaWorkflow>({ ...state, used, keys: [...keys] });
    }
  }
  await condition(allHandlersFinished);
  return { used };
}
