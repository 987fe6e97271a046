// Tenant checks of a delivery: which secret verified it (over the raw bytes, before any parsing), then
// whether the verified payload stays inside that tenant. Pure functions; the webhook handler answers.
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

const login = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** Why this verified payload falls outside its tenant, or undefined when it stays inside. */
export function outsideTenant(
  tenant: Tenant,
  payload: Record<string, any>,
  organizations: Set<string>,
): string | undefined {
  const org = login(payload.organization?.login);
  const repoOwner = login(payload.repository?.owner?.login);
  const installation = payload.installation?.id;
  if (tenant.kind === 'organization') {
    const name = tenant.name.toLowerCase();
    if (org && repoOwner && org.toLowerCase() !== repoOwner.toLowerCase())
      return `organization "${org}" does not own repository "${payload.repository?.full_name}"`;
    const owner = repoOwner ?? org;
    if (owner === undefined)
      return `a delivery for organization "${tenant.name}" must name its repository or organization`;
    if (owner.toLowerCase() !== name) return `signed with the secret of "${tenant.name}" but about "${owner}"`;
    if (tenant.installationId !== undefined && installation !== undefined && installation !== tenant.installationId) {
      return `installation ${installation} is not the installation of "${tenant.name}"`;
    }
    return undefined;
  }
  // The global secret and Trigger secrets never speak for an organization that has a secret of its own.
  const claimed = [repoOwner, org].find((o) => o !== undefined && organizations.has(o.toLowerCase()));
  return claimed ? `"${claimed}" has its own webhook secret; its deliveries must be signed with it` : undefined;
}
