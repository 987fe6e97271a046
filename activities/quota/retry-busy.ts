// A burst of reviews (500 pull requests opened at once) sends the account's count workflow more updates
// than Temporal lets wait on one workflow (10 in flight by default): the rest are refused with
// RESOURCE_EXHAUSTED, and an update caught by the count continuing as new is aborted. Both are worth an
// immediate, jittered retry inside the activity; an activity retry would wait seconds, then minutes.
const BUSY = /in-flight updates|update was aborted|RESOURCE_EXHAUSTED|ResourceExhausted/i;
const CODES = new Set([8 /* RESOURCE_EXHAUSTED */, 14 /* UNAVAILABLE */]);

export function isBusy(err: unknown): boolean {
  for (let e = err as { code?: number; message?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if ((typeof e.code === 'number' && CODES.has(e.code)) || BUSY.test(String(e.message))) return true;
  }
  return false;
}

/** `fn`, retried while Temporal says the workflow is busy, until `deadlineMs` from now. */
export async function retryWhileBusy<T>(fn: () => Promise<T>, deadlineMs = 25_000): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isBusy(err) || Date.now() > until) throw err;
      // Full jitter: waiters spread out instead of coming back together.
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(1000, 20 * 2 ** attempt)));
    }
  }
}

/** Whether the workflow refused an update it has no handler for (a worker from before that update). */
export function unknownUpdate(err: unknown): boolean {
  for (let e = err as { message?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (/No registered handler for update/.test(String(e.message))) return true;
  }
  return false;
}
