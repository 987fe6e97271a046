// The Temporal Schedule that runs the redelivery workflow every few minutes. `aofctl worker` creates it,
// or updates it to the current configuration (several workers starting at once all end up updating the
// same schedule), and deletes it when redelivery is turned off.
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptions,
  type ScheduleUpdateOptions,
} from '@temporalio/client';
import type { Resources } from '../config/load.js';
import { redeliveryHooks } from '../github/webhook-hooks.js';
import type { RedeliveryInput } from '../../workflows/redeliver.js';

export type ScheduleChange = 'created' | 'updated' | 'deleted' | 'none';

/** One schedule per deployment, named after its task queue so two deployments on one cluster keep apart. */
export const redeliveryScheduleId = (taskQueue: string) => `aof-redelivery-${taskQueue}`;

export async function syncRedeliverySchedule(client: Client, resources: Resources): Promise<ScheduleChange> {
  const { temporal, platforms } = resources.daemon.spec;
  const settings = platforms.github.redelivery;
  const scheduleId = redeliveryScheduleId(temporal.task_queue);
  const hooks = redeliveryHooks(resources.daemon);
  if (!settings?.enabled || hooks.length === 0) {
    try {
      await client.schedule.getHandle(scheduleId).delete();
      return 'deleted';
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return 'none';
      throw err;
    }
  }
  const input: RedeliveryInput = {
    hooks,
    maxAgeHours: settings.max_age_hours,
    maxPerRun: settings.max_per_run,
    githubTaskQueue: temporal.github_task_queue,
  };
  const every = `${settings.interval_minutes} minutes`;
  const options: Pick<ScheduleOptions, 'spec' | 'action' | 'policies'> = {
    spec: { intervals: [{ every }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'redeliveryWorkflow',
      workflowId: scheduleId,
      taskQueue: temporal.task_queue,
      args: [input],
      workflowExecutionTimeout: every,
    },
    // A run still going when the next is due means GitHub is slow: skip rather than pile up.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: every },
  };
  try {
    await client.schedule.create({ scheduleId, ...options });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule
      .getHandle(scheduleId)
      .update((previous) => ({ ...previous, ...options }) as ScheduleUpdateOptions);
    return 'updated';
  }
}
