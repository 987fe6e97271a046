// How many GitHub workers share GitHub's budgets (and requests_per_second, when set): the distinct worker identities polling the GitHub task
// queue, as Temporal reports them, counting this worker even before it polls. Refreshed periodically, so
// a worker that joins or leaves changes every process's share within one interval.
import type { Client } from '@temporalio/client';
import type { RequestPacer } from './request-pacer.js';

const ACTIVITY = 2; // TASK_QUEUE_TYPE_ACTIVITY

export async function githubWorkers(
  client: Client,
  namespace: string,
  taskQueue: string,
  ownIdentity: string,
): Promise<number> {
  const r = await client.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: ACTIVITY,
  });
  const others = new Set((r.pollers ?? []).map((p) => p.identity).filter((id) => id && id !== ownIdentity));
  return others.size + 1;
}

/** Keeps `pacer` at its share of the budgets among the GitHub workers; returns a function that stops it. */
export async function shareBudgets(
  pacer: RequestPacer,
  count: () => Promise<number>,
  intervalMs = 5_000,
): Promise<() => void> {
  const refresh = async () => {
    const n = await count().catch(() => undefined); // keep the last share while Temporal is unreachable
    if (n !== undefined) pacer.setWorkers(n);
  };
  await refresh();
  const timer = setInterval(() => void refresh(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
