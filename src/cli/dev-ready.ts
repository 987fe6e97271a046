// When `aofctl dev` may say "ready": the ingress answers /ready (Temporal reachable, configuration
// loaded) and a worker polls each task queue, so a delivery sent now is handled, not left waiting.
import type { Client } from '@temporalio/client';

export interface ReadyCheck {
  client: Client;
  namespace: string;
  taskQueues: string[];
  readyUrl: string;
  stopped: () => boolean;
}

const WORKFLOW = 1; // TASK_QUEUE_TYPE_WORKFLOW
const ACTIVITY = 2; // TASK_QUEUE_TYPE_ACTIVITY

async function ingressReady(url: string): Promise<boolean> {
  return fetch(url, { signal: AbortSignal.timeout(2000) })
    .then((r) => r.ok)
    .catch(() => false);
}

async function polled(c: ReadyCheck, name: string, taskQueueType: number): Promise<boolean> {
  const r = await c.client.workflowService
    .describeTaskQueue({ namespace: c.namespace, taskQueue: { name }, taskQueueType })
    .catch(() => undefined);
  return (r?.pollers?.length ?? 0) > 0;
}

export async function waitUntilReady(c: ReadyCheck, intervalMs = 250): Promise<void> {
  const [main, github] = c.taskQueues;
  while (!c.stopped()) {
    const checks = await Promise.all([
      ingressReady(c.readyUrl),
      polled(c, main!, WORKFLOW),
      polled(c, main!, ACTIVITY),
      github ? polled(c, github, ACTIVITY) : true,
    ]);
    if (checks.every(Boolean)) return;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
