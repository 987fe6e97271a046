// How long a server asked us to wait: `retry-after-ms`, or `retry-after` in seconds or as an HTTP date.
export function retryAfterMs(
  get: (name: string) => string | number | null | undefined,
  now = Date.now(),
): number | undefined {
  const ms = Number(get('retry-after-ms'));
  if (get('retry-after-ms') != null && Number.isFinite(ms)) return Math.max(0, ms);
  const v = get('retry-after');
  if (v === undefined || v === null || v === '') return undefined;
  const secs = Number(v);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(String(v));
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/**
 * How long until a rate-limit window resets, from a header giving its end as a Unix time in seconds
 * (GitHub's `x-ratelimit-reset`, GitLab's `RateLimit-Reset`): a second more for clock skew, at least a
 * second. Undefined when the header is absent or not a number.
 */
export function untilResetMs(epochSeconds: string | number | null | undefined, now = Date.now()): number | undefined {
  if (epochSeconds === undefined || epochSeconds === null || epochSeconds === '') return undefined;
  const reset = Number(epochSeconds);
  return Number.isFinite(reset) ? Math.max(1000, reset * 1000 - now + 1000) : undefined;
}
