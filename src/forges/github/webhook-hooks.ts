// The webhooks whose deliveries are watched for redelivery, and the REST routes of each kind. Pure: the
// redelivery workflow imports it too.
import type { DaemonConfig } from '../../config/schema.js';
import type { HookRef } from '../hooks.js';

/** GitHub's own hooks (read and redelivered with GitHub's credentials). */
export type GitHubHookRef =
  | { kind: 'app' }
  | { kind: 'repository'; owner: string; repo: string; hookId: number }
  | { kind: 'organization'; org: string; hookId: number };

/** The list route, and the redelivery route given a delivery id (Octokit route templates). */
export function hookRoutes(h: GitHubHookRef): {
  list: string;
  redeliver: string;
  params: Record<string, unknown>;
} {
  if (h.kind === 'app')
    return {
      list: 'GET /app/hook/deliveries',
      redeliver: 'POST /app/hook/deliveries/{delivery_id}/attempts',
      params: {},
    };
  if (h.kind === 'repository')
    return {
      list: 'GET /repos/{owner}/{repo}/hooks/{hook_id}/deliveries',
      redeliver: 'POST /repos/{owner}/{repo}/hooks/{hook_id}/deliveries/{delivery_id}/attempts',
      params: { owner: h.owner, repo: h.repo, hook_id: h.hookId },
    };
  return {
    list: 'GET /orgs/{org}/hooks/{hook_id}/deliveries',
    redeliver: 'POST /orgs/{org}/hooks/{hook_id}/deliveries/{delivery_id}/attempts',
    params: { org: h.org, hook_id: h.hookId },
  };
}

/** The configured hooks; the App's own hook when none are listed and an App is configured. */
export function redeliveryHooks(daemon: DaemonConfig): GitHubHookRef[] {
  const gh = daemon.spec.platforms.github;
  const listed = gh.redelivery?.hooks ?? [];
  if (listed.length === 0) return gh.app ? [{ kind: 'app' }] : [];
  return listed.map((h): GitHubHookRef => {
    if (h.app) return { kind: 'app' };
    if (h.repository) {
      const [owner, repo] = h.repository.split('/') as [string, string];
      return { kind: 'repository', owner, repo, hookId: h.hook_id! };
    }
    return { kind: 'organization', org: h.organization!, hookId: h.hook_id! };
  });
}

/**
 * Whose hook this is: `org:<name>` when its owner is an organization of platforms.github.organizations
 * (its own webhook secret and credentials), `global` otherwise (the App's hook, and hooks of owners that
 * share the global secret and credentials).
 */
export function hookTenant(daemon: DaemonConfig, h: GitHubHookRef): string {
  if (h.kind === 'app') return 'global';
  const owner = (h.kind === 'repository' ? h.owner : h.org).toLowerCase();
  const org = daemon.spec.platforms.github.organizations?.find((o) => o.name.toLowerCase() === owner);
  return org ? `org:${org.name}` : 'global';
}

export interface TenantHooks {
  tenant: string;
  hooks: HookRef[];
}

/** The watched hooks by tenant: `global` first, then each organization in the order first listed. */
export function redeliveryTenants(daemon: DaemonConfig): TenantHooks[] {
  const byTenant = new Map<string, GitHubHookRef[]>();
  for (const h of redeliveryHooks(daemon)) {
    const tenant = hookTenant(daemon, h);
    byTenant.set(tenant, [...(byTenant.get(tenant) ?? []), h]);
  }
  return [...byTenant]
    .map(([tenant, hooks]) => ({ tenant, hooks }))
    .sort((a, b) => Number(b.tenant === 'global') - Number(a.tenant === 'global'));
}
