// One run of the redelivery schedule: for each watched hook, list its failed deliveries and ask GitHub
// to redeliver each. A hook or delivery that fails is reported and does not stop the others; whatever is
// left is picked up by the next run, since the state lives in GitHub's delivery list.
import { proxyActivities } from '@temporalio/workflow';
import type { RedeliveryActivities } from '../activities/redelivery/index.js';
import { hookLabel, type HookRef } from '../src/forges/hooks.js';
import { markRun } from './run-attributes.js';

export interface RedeliveryInput {
  hooks: HookRef[];
  maxAgeHours: number;
  maxPerRun: number;
  githubTaskQueue: string;
}

export interface HookRedeliveryResult {
  hook: string;
  listed: number;
  redelivered: string[];
  /** GUIDs GitHub refused to redeliver (e.g. 422: too old). */
  refused: string[];
  /** Failed deliveries beyond max_per_run, left for the next run. */
  more: number;
  error?: string;
}

export async function redeliveryWorkflow(input: RedeliveryInput): Promise<HookRedeliveryResult[]> {
  const setState = markRun('redeliveryWorkflow', { kind: 'redelivery' }, 'running');
  const github = proxyActivities<RedeliveryActivities>({
    taskQueue: input.githubTaskQueue,
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: '1 minute',
    // The next scheduled run tries again; a run should not outlive its interval by much.
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
  });
  const results: HookRedeliveryResult[] = [];
  for (const hook of input.hooks) {
    const result: HookRedeliveryResult = { hook: hookLabel(hook), listed: 0, redelivered: [], refused: [], more: 0 };
    results.push(result);
    try {
      const found = await github.listFailedDeliveries({
        hook,
        maxAgeHours: input.maxAgeHours,
        limit: input.maxPerRun,
      });
      result.listed = found.listed;
      result.more = found.more;
      for (const delivery of found.failed) {
        try {
          await github.redeliverDelivery({ hook, delivery });
          result.redelivered.push(delivery.guid);
        } catch {
          result.refused.push(delivery.guid);
        }
      }
    } catch (err) {
      result.error = (err as Error).message;
    }
  }
  setState('done');
  return results;
}
