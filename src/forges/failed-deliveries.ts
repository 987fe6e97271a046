// Which listed webhook deliveries to redeliver. GitHub lists every attempt, newest first; a redelivery is
// a new entry with the same GUID. A GUID needs redelivery when its newest attempt failed for a reason a
// resend can fix (see `resendable`), that attempt is recent enough for GitHub to redeliver, and it was not
// itself a redelivery: so each failure is redelivered once, and the record of it is GitHub's own list, not
// state of ours. A delivery the ingress refused on purpose (a bad signature, a payload outside its tenant,
// too large: 4xx) is never resent: the same bytes would be refused again.

export interface ListedDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  status_code: number;
  event: string;
  action?: string | null;
  /** The App installation the delivery was about (the App's hook only). */
  installation_id?: number | null;
}

export interface FailedDelivery {
  id: number;
  guid: string;
  event: string;
  action: string | null;
  status_code: number;
  delivered_at: string;
}

/**
 * Failed for a reason a resend can fix: no answer (0: GitHub could not connect, or gave up waiting), a
 * server error (5xx), or an answer that asks to try again later (408 Request Timeout, 429 Too Many
 * Requests, from a proxy in front of the ingress). Never another 4xx: that is a refusal.
 */
export function resendable(code: number): boolean {
  return code === 0 || code >= 500 || code === 408 || code === 429;
}

/**
 * The newest entry of each GUID that needs redelivery, oldest first (the order GitHub first sent them).
 * `otherTenants`: App installations of organizations with a hook and credentials of their own; their
 * deliveries on this hook are theirs, and are not resent through it.
 */
export function failedDeliveries(
  entries: readonly ListedDelivery[],
  now: number,
  maxAgeMs: number,
  otherTenants: ReadonlySet<number> = new Set(),
): FailedDelivery[] {
  const newest = new Map<string, ListedDelivery>();
  for (const e of entries) {
    const seen = newest.get(e.guid);
    const t = Date.parse(e.delivered_at);
    if (!seen || t > Date.parse(seen.delivered_at) || (t === Date.parse(seen.delivered_at) && e.id > seen.id))
      newest.set(e.guid, e);
  }
  return [...newest.values()]
    .filter(
      (e) =>
        resendable(e.status_code) &&
        !e.redelivery &&
        now - Date.parse(e.delivered_at) <= maxAgeMs &&
        !(typeof e.installation_id === 'number' && otherTenants.has(e.installation_id)),
    )
    .sort((a, b) => Date.parse(a.delivered_at) - Date.parse(b.delivered_at) || a.id - b.id)
    .map((e) => ({
      id: e.id,
      guid: e.guid,
      event: e.event,
      action: e.action ?? null,
      status_code: e.status_code,
      delivered_at: e.delivered_at,
    }));
}

/** What one listing of a hook found: at most `limit` deliveries to resend, oldest first. */
export interface FailedDeliveries {
  /** Entries read from the forge's list. */
  listed: number;
  failed: FailedDelivery[];
  /** More failed deliveries than `limit`: the rest wait for the next run. */
  more: number;
}

/** `failedDeliveries`, bounded to `limit` per run. */
export function boundedFailedDeliveries(
  entries: readonly ListedDelivery[],
  now: number,
  maxAgeMs: number,
  limit: number,
  otherTenants?: ReadonlySet<number>,
): FailedDeliveries {
  const failed = failedDeliveries(entries, now, maxAgeMs, otherTenants);
  return { listed: entries.length, failed: failed.slice(0, limit), more: Math.max(0, failed.length - limit) };
}
