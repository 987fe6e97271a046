// The Temporal Schedules of Schedule Triggers (`spec.type: Schedule`), one per Trigger, named after the task
// queue and the Trigger so deployments on one cluster keep apart. Workers bring them in line with the
// configuration at start and on every reload (reconcileSchedules): added, changed, removed. Each firing starts
// scheduledTriggerWorkflow with the routed event resolved from the configuration (resources, never secrets:
// agents name their key's variable, not the key).
import { ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Resources } from '../config/load.js';
import type { Logger } from '../log.js';
import type { Sourced } from '../config/parse-resources.js';
import { catchupSeconds, TARGET_KEYS, type OverlapPolicy } from '../config/schedule.js';
import { scheduleTargetOf, type ScheduleTrigger } from '../config/schema.js';
import { scheduleBinding } from '../config/check-schedules.js';
import type { Routed } from '../routing/route.js';
import { workflowInput } from '../routing/resolve.js';
import { AofEvent, AofTrigger } from '../temporal/search-attributes.js';
import type { ScheduledTriggerInput } from '../../workflows/scheduled-trigger.js';
import { logScheduleChanges, reconcileSchedules, type Reconciled, type ScheduleDefinition } from './schedules.js';

const PREFIX = 'aof-schedule';

/** `aof-schedule/<task queue>/<trigger>`: a Trigger's name holds no `/`, so one deployment's never match another's. */
export const triggerScheduleId = (taskQueue: string, trigger: string) => `${PREFIX}/${taskQueue}/${trigger}`;

const OVERLAP: Record<OverlapPolicy, ScheduleOverlapPolicy> = {
  skip: ScheduleOverlapPolicy.SKIP,
  buffer_one: ScheduleOverlapPolicy.BUFFER_ONE,
  buffer_all: ScheduleOverlapPolicy.BUFFER_ALL,
  cancel_other: ScheduleOverlapPolicy.CANCEL_OTHER,
  terminate_other: ScheduleOverlapPolicy.TERMINATE_OTHER,
  allow_all: ScheduleOverlapPolicy.ALLOW_ALL,
};

/** The routed event a firing runs: what an event naming the Trigger's target would have been routed to. */
export function scheduledEvent(res: Resources, t: ScheduleTrigger): ScheduledTriggerInput['event'] {
  const spec = t.spec;
  const target = scheduleTargetOf(spec);
  const binding = scheduleBinding(spec);
  const [owner, ...rest] = (target.repository ?? '').split('/');
  const repoName = rest.join('/');
  const pull = target.pull_number;
  const number = pull ?? target.issue_number;
  const metadata = {
    event_type: 'schedule',
    ...(target.repository ? { repo_full_name: target.repository, repo_owner: owner, repo_name: repoName } : {}),
    ...(pull !== undefined ? { pr_number: pull } : {}),
    ...(pull === undefined && number !== undefined ? { issue_number: number } : {}),
    sender_login: `schedule:${t.metadata.name}`,
  };
  // The target's own params: the Trigger's and its binding's, without the keys that name the target.
  const params = Object.fromEntries(
    Object.entries({ ...spec.params, ...spec.commands?.schedule?.params }).filter(
      ([k]) => !(TARGET_KEYS as string[]).includes(k),
    ),
  );
  const decision: Routed = {
    matched: true,
    trigger: t.metadata.name,
    key: binding.key,
    target: { kind: binding.kind, name: binding.name },
    params,
    metadata,
  };
  const ev = { forge: target.forge, event: 'schedule', repository: target.repository, number, metadata };
  const { deliveryId: _none, ...event } = workflowInput(res, decision, 'none', ev, {});
  return event;
}

export function scheduleDefinition(res: Resources, t: Sourced<ScheduleTrigger>): ScheduleDefinition {
  const { task_queue: taskQueue } = res.daemon.spec.temporal;
  const c = t.resource.spec.config;
  const scheduleId = triggerScheduleId(taskQueue, t.resource.metadata.name);
  const input: ScheduledTriggerInput = { event: scheduledEvent(res, t.resource) };
  return {
    spec: { cronExpressions: c.cron, timezone: c.timezone },
    action: {
      type: 'startWorkflow',
      workflowType: 'scheduledTriggerWorkflow',
      workflowId: scheduleId,
      taskQueue,
      args: [input],
      typedSearchAttributes: [
        { key: AofTrigger, value: t.resource.metadata.name },
        { key: AofEvent, value: 'schedule' },
      ],
      staticSummary: `Trigger ${t.resource.metadata.name}: ${input.event.target.kind} ${input.event.target.name}`,
    },
    policies: { overlap: OVERLAP[c.overlap], catchupWindow: catchupSeconds(c) * 1000 },
    state: {
      paused: c.paused,
      note: `Trigger ${t.resource.metadata.name} (${t.file}): ${c.cron.join('; ')} in ${c.timezone}`,
    },
  };
}

/** Brings the Schedule Triggers' schedules of this deployment (its task queue) in line with the configuration. */
export async function syncTriggerSchedules(client: Client, res: Resources): Promise<Reconciled[]> {
  const taskQueue = res.daemon.spec.temporal.task_queue;
  const wanted = new Map(
    res.schedules.map((t) => [triggerScheduleId(taskQueue, t.resource.metadata.name), scheduleDefinition(res, t)]),
  );
  const prefix = `${PREFIX}/${taskQueue}/`;
  return reconcileSchedules(client, wanted, {
    owns: (id) => id.startsWith(prefix) && !id.slice(prefix.length).includes('/'),
  });
}

/** As a worker does at start and on each reload: syncs and logs each change; a failure is logged, not thrown. */
export async function syncTriggerSchedulesAndReport(
  client: Client,
  res: Resources,
  logger: Pick<Logger, 'info' | 'error'>,
): Promise<void> {
  await logScheduleChanges(syncTriggerSchedules(client, res), 'trigger', logger);
}
