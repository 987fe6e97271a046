// Activity proxies used by the workflows, with their timeouts and retry policies in one place.
import { proxyActivities } from '@temporalio/workflow';
import type { AnswerActivities } from '../activities/answers/index.js';
import type { GitHubActivities } from '../activities/forge/index.js';
import type { ModelActivities } from '../activities/llm/index.js';

export function modelActivities(turnTimeoutSecs: number) {
  return proxyActivities<ModelActivities>({
    startToCloseTimeout: `${turnTimeoutSecs} seconds`,
    // 429/529/5xx: each wait is the API's own retry-after when it gives one.
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 8 },
  });
}

/**
 * The forge activities (src/forges/<forge>/verbs.ts through activities/forge): their types keep GitHub's
 * names, and the queue is `github_task_queue`, which running workflows use.
 */
export function forgeActivities(taskQueue: string) {
  return proxyActivities<GitHubActivities>({
    taskQueue,
    startToCloseTimeout: '1 minute',
    // Every activity heartbeats while it runs (src/worker/activity-heartbeat.ts): a dead worker's call is
    // retried after 15 s, and the retry finds a write the forge already made (each adapter's markers).
    heartbeatTimeout: '15 seconds',
    // Long enough to outlast a primary rate-limit window; each wait is the forge's own retry-after.
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 20 },
  });
}

/** Answer checks (output_schema): pure work, on the workflow's own queue; they fail only with the worker. */
export function answerActivities() {
  return proxyActivities<AnswerActivities>({
    startToCloseTimeout: '30 seconds',
    retry: { maximumAttempts: 5 },
  });
}
