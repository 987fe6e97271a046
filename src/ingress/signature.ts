// X-Hub-Signature-256 verification over the exact raw bytes, in constant time.
import { createHmac, timingSafeEqual } from 'node:crypto';

export function sign(secret: string, body: Buffer | string): string {
  return 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
}

/** The first of `keys` whose secret signed `body` (a valid sha256 `header`), or undefined. */
export function verifyingKey<K extends { secret: string }>(
  keys: readonly K[],
  body: Buffer,
  header: string | undefined,
): K | undefined {
  if (!header || !/^sha256=[0-9a-f]{64}$/i.test(header)) return undefined;
  const given = Buffer.from(header.slice(7).toLowerCase(), 'hex');
  let found: K | undefined;
  // Check every secret, without an early exit, so timing does not reveal which one matched.
  for (const key of keys) {
    const expected = createHmac('sha256', key.secret).update(body).digest();
    if (timingSafeEqual(expected, given) && !found) found = key;
  }
  return found;
}

/** True when `header` is a valid sha256 signature of `body` under any of `secrets`. */
export function verifySignature(secrets: readonly string[], body: Buffer, header: string | undefined): boolean {
  return (
    verifyingKey(
      secrets.map((secret) => ({ secret })),
      body,
      header,
    ) !== undefined
  );
}
