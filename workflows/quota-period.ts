// Quota workflows live for their month, so a count is never reset mid-month: open until it ends,
// continuing as new whenever Temporal suggests it, once every handler has finished.
import { allHandlersFinished, condition, workflowInfo } from '@temporalio/workflow';
import { quotaPeriodEnd } from '../src/gate/quota.js';

export async function openForMonth(month: string, continueAsNew: () => Promise<never>): Promise<void> {
  const end = quotaPeriodEnd(month);
  while (Date.now() < end) {
    if (await condition(() => workflowInfo().continueAsNewSuggested, end - Date.now())) {
      await condition(allHandlersFinished);
      await continueAsNew();
    }
  }
  await condition(allHandlersFinished);
}
