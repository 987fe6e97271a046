// The heads of one pull request counted in one month (`quota/<account>/<yyyy-mm>/<owner>/<repo>#<n>`):
// the exact memory behind the month's count (quota.ts), kept where it is small. The count hands each
// run's keys here before it continues as new; a reservation the count's Bloom filter cannot settle asks
// here (a query: Temporal answers it after every signal already delivered). Its state grows with the
// heads of one pull request, not with the account's volume, and is carried across continue-as-new.
import { continueAsNew, setHandler } from '@temporalio/workflow';
import { markRun } from './run-attributes.js';
import { countedQuery, recordedSignal } from './definitions.js';
import { openForMonth } from './quota-period.js';

export interface QuotaLedgerState {
  account: string;
  month: string;
  /** The pull request, when the keys name one (for finding the ledger in the Web UI). */
  repository?: string;
  number?: number;
  /** Counted keys and the count each got. */
  counted?: Record<string, number>;
}

export async function quotaLedgerWorkflow(state: QuotaLedgerState): Promise<{ counted: number }> {
  markRun('quotaLedgerWorkflow', { kind: 'quota', repository: state.repository, number: state.number }, 'open');
  const counted = new Map(Object.entries(state.counted ?? {}));
  // A key's first count stays: a retried hand-over sends the same keys again.
  setHandler(recordedSignal, (keys) => {
    for (const [key, used] of Object.entries(keys)) if (!counted.has(key)) counted.set(key, used);
  });
  setHandler(countedQuery, (key) => counted.get(key) ?? null);
  await openForMonth(state.month, () =>
    continueAsNew<typeof quotaLedgerWorkflow>({ ...state, counted: Object.fromEntries(counted) }),
  );
  return { counted: counted.size };
}
