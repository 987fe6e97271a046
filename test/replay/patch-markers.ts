// Which patched() ids a history took the new path of (their markers), and which ids the workflow code uses:
// the replay suite checks that every patch's new path has a recorded history, and the recorder picks the
// runs that add one.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface JsonEvent {
  workflowExecutionUpdateAcceptedEventAttributes?: { acceptedRequest?: { input?: { name?: string } } };
  markerRecordedEventAttributes?: {
    markerName?: string;
    details?: Record<string, { payloads?: { data?: string }[] }>;
  };
}

/** The patch ids whose markers a history (as JSON, or its events) holds. */
export function patchIdsOf(events: JsonEvent[]): Set<string> {
  const ids = new Set<string>();
  for (const e of events) {
    const m = e.markerRecordedEventAttributes;
    if (m?.markerName !== 'core_patch') continue;
    for (const p of m.details?.['patch-data']?.payloads ?? []) {
      const id = (JSON.parse(Buffer.from(p.data ?? '', 'base64').toString('utf8')) as { id?: string }).id;
      if (id) ids.add(id);
    }
  }
  return ids;
}

/** The updates a history took (`update:<name>`): a handler added later gets a history of its own. */
export function updatesOf(events: JsonEvent[]): Set<string> {
  const names = new Set<string>();
  for (const e of events) {
    const name = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name;
    if (name) names.add(`update:${name}`);
  }
  return names;
}

/** Every `patched('id')` in the workflow code. */
export function patchIdsInCode(dir = join(import.meta.dirname, '../../workflows')): string[] {
  const ids = new Set<string>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts')))
    for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/patched\('([^']+)'\)/g)) ids.add(m[1]!);
  return [...ids].sort();
}
