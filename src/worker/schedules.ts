// Keeps a set of Temporal Schedules in line with the configuration: each wanted schedule is created, or
// updated to its current definition (several workers starting at once all end up updating the same
// schedules), and those this deployment owns but no longer wants are deleted. The redelivery schedules
// (redelivery-schedule.ts) and the Schedule Triggers' (trigger-schedules.ts) are both kept this way.
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  type Client,
  type ScheduleOptions,
  type ScheduleUpdateOptions,
} from '@temporalio/client';
import type { Logger } from '../log.js';

export type ScheduleChange = 'created' | 'updated' | 'deleted' | 'none';

/** What a schedule is made of, from the configuration. */
export type ScheduleDefinition = Pick<ScheduleOptions, 'spec' | 'action' | 'policies' | 'state'>;

export interface Reconciled {
  scheduleId: string;
  change: ScheduleChange;
}

/**
 * The schedules this deployment owns that may need deleting: ids it always checks (a fixed name), and the
 * listed ids `owns` claims. Listing is best effort (visibility lags or is off): the next sync tries again.
 */
export interface Owned {
  known?: string[];
  owns?: (scheduleId: string) => boolean;
}

export async function reconcileSchedules(
  client: Client,
  wanted: Map<string, ScheduleDefinition>,
  owned: Owned,
): Promise<Reconciled[]> {
  const changes: Reconciled[] = [];
  for (const [scheduleId, definition] of wanted)
    changes.push({ scheduleId, change: await upsertSchedule(client, scheduleId, definition) });
  const stale = new Set((owned.known ?? []).filter((id) => !wanted.has(id)));
  if (owned.owns)
    try {
      for await (const s of client.schedule.list())
        if (owned.owns(s.scheduleId) && !wanted.has(s.scheduleId)) stale.add(s.scheduleId);
    } catch {
      // Best effort, as said above.
    }
  for (const scheduleId of stale) changes.push({ scheduleId, change: await removeSchedule(client, scheduleId) });
  return changes;
}

export async function removeSchedule(client: Client, scheduleId: string): Promise<ScheduleChange> {
  try {
    await client.schedule.getHandle(scheduleId).delete();
    return 'deleted';
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return 'none';
    throw err;
  }
}

export async function upsertSchedule(
  client: Client,
  scheduleId: string,
  definition: ScheduleDefinition,
): Promise<ScheduleChange> {
  try {
    await client.schedule.create({ scheduleId, ...definition });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update(
      (previous) =>
        ({
          ...previous,
          ...definition,
          // The configuration says whether it is paused; a schedule without that word keeps its state.
          state: { ...previous.state, ...definition.state },
        }) as ScheduleUpdateOptions,
    );
    return 'updated';
  }
}

/**
 * What a worker does with a sync's outcome: logs each change (`<what> schedule created`, with `fields` of
 * it), and a failure to reach the schedules as an error; it never throws, so a worker still starts.
 */
export async function logScheduleChanges<T extends Reconciled>(
  sync: Promise<T[]>,
  what: string,
  logger: Pick<Logger, 'info' | 'error'>,
  fields: (c: T) => Record<string, unknown> = () => ({}),
): Promise<void> {
  await sync.then(
    (changes) => {
      for (const c of changes)
        if (c.change !== 'none')
          logger.info({ schedule: c.scheduleId, ...fields(c), change: c.change }, `${what} schedule ${c.change}`);
    },
    (err: Error) => logger.error({ err: err.message }, `could not create or update the ${what} schedules`),
  );
}
