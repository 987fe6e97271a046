// Activity proxies used by the workflows, with their timeouts and retry policies in one place.
import { proxyActivities } from '@temporalio/workflow';
import type { AnswerActivities } from '../activities/answers/index.js';
import type { GitHubActivities } from '../activities/forge/index.js';
import type { ModelActivities } from '../activities/llm/index.js';
import type { McpActivities } from '../activities/mcp/index.js';
import type { QuotaActivities } from '../activities/quota/index.js';
import type { ScheduleActivities } from '../activities/schedules/index.js';

export function modelActivities(turnTimeoutSecs: number) {
  return proxyActivities<ModelActivities>({
    startToCloseTimeout: `${turnTimeoutSecs} seconds`,
    // 429/529/5xx: each wait is the API's own retry-after when it gives one.
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 8 },
  });
}

/**
 * The gate's model reviews of function batches: a batch is one call, the batch once more when its answer
 * is unusable, and up to 5 functions alone, within one activity.
 */
export function gateModelActivities(turnTimeoutSecs: number) {
  return proxyActivities<ModelActivities>({
    startToCloseTimeout: `${turnTimeoutSecs * 7 + 10} seconds`,
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 6 },
  });
}

/** The monthly quota's reservations (the counting workflows answer them). */
export function quotaActivities() {
  return proxyActivities<QuotaActivities>({
    startToCloseTimeout: '30 seconds',
    retry: { maximumAttempts: 10 },
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

/** Attempts of one MCP call (and of the listing): a server down or too slow is then the model's to hear. */
export const MCP_ATTEMPTS = 3;

/**
 * An agent's MCP activities on the main task queue (its worker process keeps the stdio servers), with the
 * server's `timeout_secs` per attempt (plus time to start or connect the server) and bounded retries.
 */
export function mcpActivities(timeoutSecs: number) {
  return proxyActivities<McpActivities>({
    startToCloseTimeout: `${timeoutSecs + 10} seconds`,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: MCP_ATTEMPTS },
  });
}

/**
 * A Schedule Trigger's gate (activities/schedules): the listing and the gates' requests in one activity on the
 * forge task queue, retried as forge calls are (a retry asks again under the same delivery ids).
 */
export function scheduleActivities(taskQueue: string) {
  return proxyActivities<ScheduleActivities>({
    taskQueue,
    startToCloseTimeout: '5 minutes',
    heartbeatTimeout: '15 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 20 },
  });
}
