// The Temporal Schedules that run the redelivery workflow every few minutes, one per tenant: the global
// one (the App's hook, and hooks of owners without their own configuration), one per organization of
// platforms.github.organizations whose hooks are watched, and one for GitLab's hooks
// (platforms.gitlab.redelivery, its own interval and limits). So each tenant's run lists and redelivers its own
// hooks only, and a tenant whose run is slow or failing does not hold up another's. `aofctl worker`
// creates them, or updates them to the current configuration (several workers starting at once all end up
// updating the same schedules), and deletes those no longer configured (all when redelivery is off).
// A forge whose API cannot list or resend deliveries (Bitbucket: `lacks: ['redelivery']`) gets no schedule;
// the worker says which Triggers no schedule watches.
import { ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Resources } from '../config/load.js';
import { FORGES } from '../config/forges.js';
import type { Logger } from '../log.js';
import { redeliveryTenants, type TenantHooks } from '../forges/github/webhook-hooks.js';
import { gitlabRedeliveryHooks } from '../forges/gitlab/redelivery.js';
import type { DaemonConfig } from '../config/schema.js';
import type { RedeliveryInput } from '../../workflows/redeliver.js';
import { logScheduleChanges, reconcileSchedules, type ScheduleChange, type ScheduleDefinition } from './schedules.js';

export type { ScheduleChange };

/** The tenant name of GitLab's hooks' schedule (`aof-redelivery-<task queue>-gitlab`). */
export const GITLAB = 'gitlab';

type RedeliverySettings = Pick<
  NonNullable<DaemonConfig['spec']['platforms']['github']['redelivery']>,
  'interval_minutes' | 'max_age_hours' | 'max_per_run'
>;

/**
 * One schedule per deployment and tenant, named after its task queue so two deployments on one cluster keep
 * apart; the global tenant's keeps the name of the single schedule of earlier versions.
 */
export const redeliveryScheduleId = (taskQueue: string, tenant = 'global') =>
  tenant === 'global' ? `aof-redelivery-${taskQueue}` : `aof-redelivery-${taskQueue}-${tenant.replace(':', '-')}`;

export interface TenantScheduleChange {
  tenant: string;
  scheduleId: string;
  change: ScheduleChange;
}

/** Brings every tenant's schedule in line with the configuration. */
export async function syncRedeliverySchedules(client: Client, resources: Resources): Promise<TenantScheduleChange[]> {
  const { temporal, platforms } = resources.daemon.spec;
  const github = platforms.github.redelivery;
  const gitlab = platforms.gitlab?.enabled !== false ? platforms.gitlab?.redelivery : undefined;
  const gitlabHooks = gitlab?.enabled ? gitlabRedeliveryHooks(resources.daemon) : [];
  const tenants: (TenantHooks & { settings: RedeliverySettings })[] = [
    ...(github?.enabled ? redeliveryTenants(resources.daemon).map((t) => ({ ...t, settings: github })) : []),
    // GitLab's hooks: one schedule of their own (GitLab's window and resend limits), the same workflow.
    ...(gitlab?.enabled && gitlabHooks.length ? [{ tenant: GITLAB, hooks: gitlabHooks, settings: gitlab }] : []),
  ];
  const wanted = new Map<string, ScheduleDefinition>();
  const tenantOf = new Map<string, string>();
  for (const { tenant, hooks, settings } of tenants) {
    const scheduleId = redeliveryScheduleId(temporal.task_queue, tenant);
    const input: RedeliveryInput = {
      hooks,
      maxAgeHours: settings.max_age_hours,
      maxPerRun: settings.max_per_run,
      githubTaskQueue: temporal.github_task_queue,
    };
    wanted.set(scheduleId, definition(scheduleId, temporal.task_queue, input, settings.interval_minutes));
    tenantOf.set(scheduleId, tenant);
  }
  // Schedules of tenants no longer watched (an organization's of this deployment, the global one, GitLab's).
  const global = redeliveryScheduleId(temporal.task_queue);
  const orgPrefix = `${global}-org-`;
  const gitlabId = redeliveryScheduleId(temporal.task_queue, GITLAB);
  const reconciled = await reconcileSchedules(client, wanted, {
    known: [global, gitlabId],
    owns: (id) => id.startsWith(orgPrefix),
  });
  const changes: TenantScheduleChange[] = [];
  for (const { scheduleId, change } of reconciled) {
    const tenant =
      tenantOf.get(scheduleId) ??
      (scheduleId === global
        ? 'global'
        : scheduleId === gitlabId
          ? GITLAB
          : `org:${scheduleId.slice(orgPrefix.length)}`);
    // GitLab's schedule is reported only when there was one to delete.
    if (wanted.has(scheduleId) || tenant !== GITLAB || change !== 'none') changes.push({ tenant, scheduleId, change });
  }
  return changes;
}

/** Triggers of forges that cannot recover missed deliveries, per forge, with what the worker says of them. */
export function unwatchedTriggers(resources: Resources): { forge: string; triggers: string[]; message: string }[] {
  return Object.values(FORGES)
    .filter((f) => (f.lacks as readonly string[]).includes('redelivery'))
    .map((f) => ({ f, triggers: resources.triggers.filter((t) => t.resource.spec.type === f.type) }))
    .filter(({ triggers }) => triggers.length > 0)
    .map(({ f, triggers }) => ({
      forge: f.id,
      triggers: triggers.map((t) => t.resource.metadata.name),
      message: `redelivery skips ${f.type} Triggers: ${f.type}'s API cannot list or resend missed webhook deliveries`,
    }));
}

/**
 * What a worker does at start: brings the schedules in line and logs each change, and which Triggers no
 * schedule can watch (information, not an error); a failure to reach the schedules is logged, not thrown.
 */
export async function syncRedeliveryAndReport(
  client: Client,
  resources: Resources,
  logger: Pick<Logger, 'info' | 'error'>,
): Promise<void> {
  await logScheduleChanges(syncRedeliverySchedules(client, resources), 'redelivery', logger, ({ tenant }) => ({
    tenant,
  }));
  for (const { forge, triggers, message } of unwatchedTriggers(resources)) logger.info({ forge, triggers }, message);
}

/** The global tenant's schedule change (the single schedule of earlier versions); syncs every tenant's. */
export async function syncRedeliverySchedule(client: Client, resources: Resources): Promise<ScheduleChange> {
  const changes = await syncRedeliverySchedules(client, resources);
  return changes.find((c) => c.tenant === 'global')?.change ?? 'none';
}

function definition(
  scheduleId: string,
  taskQueue: string,
  input: RedeliveryInput,
  intervalMinutes: number,
): ScheduleDefinition {
  const every = `${intervalMinutes} minutes`;
  return {
    spec: { intervals: [{ every }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'redeliveryWorkflow',
      workflowId: scheduleId,
      taskQueue,
      args: [input],
      workflowExecutionTimeout: every,
    },
    // A run still going when the next is due means GitHub is slow: skip rather than pile up.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: every },
  };
}
