// X-Hub-Signature-256 verification over the exact raw bytes, in constant time.
import { createHmac, timingSafeEqual } from 'node:crypto';

export function sign(secret: string, body: Buffer | string): string {
  return 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
}

/** True when `header` is a valid sha256 signature of `body` under any of `secrets`. */
export function verifySignature(secrets: readonly string[], body: Buffer, header: string | undefined): boolean {
  if (!header || !/^sha256=[0-9a-f]{64}$/i.test(header)) return false;
  const given = Buffer.from(header.slice(7).toLowerCase(), 'hex');
  let ok = false;
  // Check every secret, without an early exit, so timing does not reveal which one matched.
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(body).digest();
    ok = timingSafeEqual(expected, given) || ok;
  }
  return ok;
}
