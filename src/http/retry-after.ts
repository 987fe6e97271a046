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
