// Recovering missed GitLab deliveries: a project's (or group's) webhook events of the past 7 days,
// `GET /projects/:id/hooks/:hook_id/events` (GitLab 17.3+, 20 a page at most), and
// `POST .../events/:hook_event_id/resend` (17.4+), which sends the same payload with the same
// `Idempotency-Key` and logs a new event. The ingress dedupes by that key, so a resend never doubles an
// effect. Which events to resend is the rule GitHub's follow too (src/forges/failed-deliveries.ts): the
// newest event of each Idempotency-Key failed for a reason a resend can fix, recently enough, and was not
// itself a resend (a key logged more than once has been resent: a resend that fails again is left for a
// person). GitLab's list is the record; nothing is kept here.
import type { DaemonConfig } from '../../config/schema.js';
import { boundedFailedDeliveries, type ListedDelivery } from '../failed-deliveries.js';
import { targetOf, type DeliveryVerbs } from '../port.js';
import type { GitLabApi } from './api.js';
import type { GitLabClients } from './clients.js';

/** A GitLab project's or group's hook, whose deliveries GitLab lists and resends. */
export interface GitLabHookRef {
  forge: 'gitlab';
  kind: 'project' | 'group';
  /** The project's or group's full path. */
  path: string;
  hookId: number;
}

/** One event of a hook's list, as GitLab's API shows it (the fields read here). */
export interface GitLabHookEvent {
  id: number;
  trigger?: string;
  request_headers?: Record<string, string>;
  request_data?: { object_attributes?: { action?: string } } & Record<string, unknown>;
  /** A status code as a string (`"500"`), or `"internal error"` when GitLab got no answer. */
  response_status: string | number;
  response_headers?: Record<string, string>;
  created_at?: string;
}

/** The events endpoint's largest page (Grape: `per_page` values 1..20). */
export const EVENTS_PER_PAGE = 20;
/** GitLab keeps 7 days; never read more than this many pages of them. */
const MAX_PAGES = 100;

/** The hooks named in platforms.gitlab.redelivery. */
export function gitlabRedeliveryHooks(daemon: DaemonConfig): GitLabHookRef[] {
  return (daemon.spec.platforms.gitlab?.redelivery?.hooks ?? []).map((h) => ({
    forge: 'gitlab',
    kind: h.project !== undefined ? 'project' : 'group',
    path: (h.project ?? h.group)!,
    hookId: h.hook_id,
  }));
}

/** `/projects/<path>/hooks/<id>/events` or `/groups/<path>/hooks/<id>/events`. */
export function hookEventsPath(hook: GitLabHookRef): string {
  return `/${hook.kind === 'project' ? 'projects' : 'groups'}/${encodeURIComponent(hook.path)}/hooks/${hook.hookId}/events`;
}

const header = (headers: Record<string, string> | undefined, name: string) =>
  Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === name)?.[1];

/**
 * GitLab's events as the shared selection reads deliveries: the Idempotency-Key is the delivery's identity
 * (events without one, from GitLab before 17.4, are never resent: a resend could not be deduplicated),
 * `internal error` is status 0, and every event of a key but its first is a resend. An event without
 * `created_at` (GitLab versions that do not list it) counts as of its answer's Date, else as of now: GitLab
 * lists the past 7 days only.
 */
export function listedDeliveries(events: readonly GitLabHookEvent[], now = Date.now()): ListedDelivery[] {
  const withKey = events
    .map((e) => ({ e, key: header(e.request_headers, 'idempotency-key') }))
    .filter((x): x is { e: GitLabHookEvent; key: string } => !!x.key);
  const first = new Map<string, number>();
  for (const { e, key } of withKey) first.set(key, Math.min(first.get(key) ?? Infinity, e.id));
  return withKey.map(({ e, key }) => {
    const status = Number(e.response_status);
    const date = e.created_at ?? header(e.response_headers, 'date');
    const at = date && !Number.isNaN(Date.parse(date)) ? new Date(Date.parse(date)) : new Date(now);
    return {
      id: e.id,
      guid: key,
      delivered_at: at.toISOString(),
      redelivery: first.get(key) !== e.id,
      status_code: Number.isInteger(status) ? status : 0,
      event: header(e.request_headers, 'x-gitlab-event') ?? e.trigger ?? 'unknown',
      action: e.request_data?.object_attributes?.action ?? null,
    };
  });
}

export function createGitLabRedelivery(clientFor: GitLabClients): DeliveryVerbs<GitLabHookRef> {
  const api = (hook: GitLabHookRef): GitLabApi =>
    hook.kind === 'project' ? clientFor(targetOf('gitlab', hook.path)) : clientFor.group(hook.path);
  const events = async (gl: GitLabApi, hook: GitLabHookRef, onPage?: (page: number) => void) =>
    (await gl.paginate<GitLabHookEvent>(hookEventsPath(hook), {}, MAX_PAGES, { perPage: EVENTS_PER_PAGE, onPage }))
      .items;

  return {
    async listFailedDeliveries(hook, { maxAgeHours, limit, onPage }) {
      const now = Date.now();
      const listed = listedDeliveries(await events(api(hook), hook, onPage), now);
      return boundedFailedDeliveries(listed, now, maxAgeHours * 3600_000, limit);
    },

    async redeliver(hook, delivery, { retry }) {
      const gl = api(hook);
      // An earlier attempt may have been resent before its answer was lost: GitLab then lists a newer
      // event with the same key.
      if (retry) {
        const later = listedDeliveries(await events(gl, hook)).some(
          (d) => d.guid === delivery.guid && d.id > delivery.id,
        );
        if (later) return;
      }
      await gl.json('POST', `${hookEventsPath(hook)}/${delivery.id}/resend`);
    },
  };
}
