// Which secret verified a delivery, over the raw bytes and before any parsing. Whether the payload stays
// inside that tenant is the identity step's (identity.ts). Pure functions; the webhook handler answers.
import type { Tenant, TenantKey } from '../config/secrets.js';
import { verifyingKey } from './signature.js';

/** The keys a delivery to this URL may be signed with: an organization's URL accepts its secret only. */
export function keysForPath(keys: TenantKey[], org: string | undefined): TenantKey[] {
  if (org === undefined) return keys;
  return keys.filter((k) => k.tenant.kind === 'organization' && k.tenant.name.toLowerCase() === org.toLowerCase());
}

export function verifiedTenant(keys: TenantKey[], body: Buffer, header: string | undefined): Tenant | undefined {
  return verifyingKey(keys, body, header)?.tenant;
}
