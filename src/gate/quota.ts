// Monthly quotas per account (installation id or organization; a GitLab top-level group) by tier.
import type { Gate, Tier } from '../config/schema.js';
import type { ForgeName } from '../forges/port.js';

/** The top-level group of a namespace path (`acme/team/sub` → `acme`), lower-cased as GitLab matches paths. */
const topNamespace = (owner: string) => owner.split('/')[0]!.toLowerCase();

export const DEFAULT_LIMITS: Record<Tier, number> = { community: 200, developer: 2000, team: 10000, enterprise: 50000 };

/**
 * An account's tier from `billing.accounts`: on GitHub the bound installation's id, else the organization;
 * on another forge `<forge>:<top-level group>` (`gitlab:acme`), never a GitHub organization's key.
 */
export function tierOf(
  billing: Gate['spec']['billing'],
  installationId: number | undefined,
  owner: string,
  forge: ForgeName = 'github',
): Tier {
  if (forge !== 'github') return billing.accounts[`${forge}:${topNamespace(owner)}`] ?? billing.default_tier;
  return (
    (installationId !== undefined ? billing.accounts[String(installationId)] : undefined) ??
    billing.accounts[owner] ??
    billing.default_tier
  );
}

export const limitOf = (billing: Gate['spec']['billing'], tier: Tier) => billing.limits[tier] ?? DEFAULT_LIMITS[tier];

/** The quota period: the UTC calendar month, e.g. 2026-11. */
export const monthOf = (ms: number) => new Date(ms).toISOString().slice(0, 7);

/**
 * The account the quota counts against: on GitHub the bound installation, else the organization; on
 * GitLab (and any other forge) the project's top-level group or user namespace, which GitLab bills, so a
 * group's subgroups share one count, and a GitLab group is never the GitHub organization of its name.
 */
export const accountOf = (installationId: number | undefined, owner: string, forge: ForgeName = 'github') =>
  forge !== 'github'
    ? `${forge}-${topNamespace(owner)}`
    : installationId !== undefined
      ? `installation-${installationId}`
      : `org-${owner.toLowerCase()}`;

/** When a month's quota workflows end: a day after the month, for reviews that started in it. */
export function quotaPeriodEnd(month: string): number {
  const [year, m] = month.split('-').map(Number) as [number, number];
  return Date.UTC(year, m, 1) + 24 * 3600_000;
}

/** The count of an account's analyses in a month. */
export const quotaWorkflowId = (account: string, month: string) => `quota/${account}/${month}`;

/**
 * The ledger of a reservation key's pull request: the key up to its `@<head>` (`owner/repo#n`), so
 * every head of one pull request in one month is remembered in one place.
 */
export const quotaLedgerId = (account: string, month: string, key: string) =>
  `${quotaWorkflowId(account, month)}/${key.includes('@') ? key.slice(0, key.lastIndexOf('@')) : key}`;
