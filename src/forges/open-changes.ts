// A forge's listing of a repository's open pull or merge requests, cut to the caller's limit (the port's
// openChanges): whether any were left out, and how many are open where the forge counts them.
import type { OpenChanges } from './port.js';

/** `listed` cut to `limit`; `more` when the forge had more (paged beyond `truncated`, or listed past the limit). */
export function openChangesOf(
  listed: OpenChanges['changes'],
  limit: number,
  truncated: boolean,
  total: number | undefined,
  requests: number,
): OpenChanges {
  const changes = listed.slice(0, limit);
  const more = total !== undefined ? total > changes.length : truncated || listed.length > limit;
  return { changes, more, ...(total !== undefined ? { total } : {}), requests };
}

/**
 * Open changes a Schedule Trigger's gate firing asks about at most (workflows/scheduled-trigger.ts); the
 * rest wait for a later firing, and the firing's result says how many (or that some) were left out.
 */
export const MAX_OPEN_CHANGES = 100;
