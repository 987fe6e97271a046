// The operation a forge write belongs to: its activity (workflow, run and activity id, the same for every
// attempt), so that a retry, and only a retry, looks for what an earlier attempt wrote before writing
// again. Every adapter's writes carry its marker (a hidden comment in text, an external id elsewhere).
import { Context } from '@temporalio/activity';
import { createHash } from 'node:crypto';
import { cutNote, fit, less, LIMITS, type Limit } from './github/limits.js';

export interface Operation {
  key: string;
  /** True when an earlier attempt may have written already. */
  retry: boolean;
}

/** The current activity's operation; outside an activity (unit tests) a fresh one. */
export function currentOperation(): Operation {
  try {
    const info = Context.current().info;
    const id = `${info.workflowExecution?.workflowId}/${info.workflowExecution?.runId}/${info.activityId}`;
    return { key: createHash('sha256').update(id).digest('hex').slice(0, 24), retry: info.attempt > 1 };
  } catch {
    return { key: createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 24), retry: false };
  }
}

export const operationMarker = (key: string) => `<!-- aof:op=${key} -->`;

/**
 * The body with its operation marker (kept last, invisible when rendered), within `limit`: the body is
 * cut to leave room for the marker, which is never cut.
 */
export function markBody(body: string, op: Operation, limit: Limit = LIMITS.commentBody): string {
  const marker = `\n\n${operationMarker(op.key)}`;
  return `${fit(body, less(limit, marker), cutNote(limit))}${marker}`;
}
