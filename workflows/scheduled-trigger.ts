// One firing of a Schedule Trigger (started by its Temporal Schedule, src/worker/trigger-schedules.ts): runs
// the routed event's own path (routedEventWorkflow) as a child, under a delivery id of this firing. Temporal
// names each scheduled run `<schedule id>-<time>` to the second, so two firings in one second (a trigger
// twice) share a workflow id: the delivery id takes the run's id too. Each firing has its own delivery id,
// child workflow id and with them its own comment keys: the second run never takes the first's comment.
// Replay: a new workflow type (no run started before it exists), and routedEventWorkflow's code is unchanged, so
// no patch is needed; test/replay/histories holds recorded runs of it. A gate bound to a schedule asks the
// gate of each open pull request of the repository to review it (activities/schedules).
import { executeChild, workflowInfo } from '@temporalio/workflow';
import { deliveryStart } from '../src/temporal/delivery-start.js';
import { isValidDeliveryId } from '../src/temporal/workflow-ids.js';
import { routedEventWorkflow } from './routed-event.js';
import { scheduleActivities } from './activities.js';
import { MAX_OPEN_CHANGES } from '../src/forges/open-changes.js';
import type { RoutedEventInput, RoutedEventResult } from './types.js';

export interface ScheduledTriggerInput {
  /** The routed event, resolved from the configuration when the schedule was last brought in line. */
  event: Omit<RoutedEventInput, 'deliveryId'>;
}

/** A small stable hash (FNV-1a, 32 bits) in hex: deterministic, as workflow code must be. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/**
 * The delivery id of a firing, from its workflow id (`aof-schedule/<task queue>/<trigger>-<time>`): the id's
 * letters, digits, dots and dashes; a long one keeps its start and its end (the time), with a hash of it all.
 */
export function scheduledDeliveryId(workflowId: string): string {
  const clean = `schedule-${workflowId.replace(/[^A-Za-z0-9._-]+/g, '-')}`;
  if (isValidDeliveryId(clean)) return clean;
  return `${clean.slice(0, 70)}-${fnv1a(workflowId)}-${clean.slice(-40)}`;
}

export async function scheduledTriggerWorkflow(input: ScheduledTriggerInput): Promise<RoutedEventResult> {
  const info = workflowInfo();
  const deliveryId = scheduledDeliveryId(`${info.workflowId}-${info.runId}`);
  if (input.event.target.kind === 'gate') {
    // A gate bound to the schedule: each open pull request's gate is asked to review it (one activity, which
    // answers counts). Replay-safe without a patch: the loader refused a gate on a schedule before this path
    // existed, so no run started earlier has a gate target and none of them takes this branch.
    const reReview = await scheduleActivities(input.event.githubTaskQueue).askGatesToReview({
      event: input.event,
      deliveryId,
      limit: MAX_OPEN_CHANGES,
    });
    return { target: input.event.target, reReview };
  }
  // The same start request, search attributes and summary as a delivery's, on this run's task queue.
  return executeChild(routedEventWorkflow, deliveryStart({ ...input.event, deliveryId }, info.taskQueue));
}
