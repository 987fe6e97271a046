// Which listed webhook deliveries to redeliver. GitHub lists every attempt, newest first; a redelivery is
// a new entry with the same GUID. A GUID needs redelivery when its newest attempt failed (not 2xx), that
// attempt is recent enough for GitHub to redeliver, and it was not itself a redelivery: so each failure
// is redelivered once, and the record of it is GitHub's own list, not state of ours.

export interface ListedDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  status_code: number;
  event: string;
  action?: string | null;
}

export interface FailedDelivery {
  id: number;
  guid: string;
  event: string;
  action: string | null;
  status_code: number;
  delivered_at: string;
}

const ok = (code: number) => code >= 200 && code < 300;

/** The newest entry of each GUID that needs redelivery, oldest first (the order GitHub first sent them). */
export function failedDeliveries(entries: readonly ListedDelivery[], now: number, maxAgeMs: number): FailedDelivery[] {
  const newest = new Map<string, ListedDelivery>();
  for (const e of entries) {
    const seen = newest.get(e.guid);
    const t = Date.parse(e.delivered_at);
    if (!seen || t > Date.parse(seen.delivered_at) || (t === Date.parse(seen.delivered_at) && e.id > seen.id))
      newest.set(e.guid, e);
  }
  return [...newest.values()]
    .filter((e) => !ok(e.status_code) && !e.redelivery && now - Date.parse(e.delivered_at) <= maxAgeMs)
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
