// Webhook secrets and the tenant each one stands for. The secret that verifies a delivery decides whom
// it may act for: an organization's secret acts for that organization only; the global secret for every
// owner without a secret of its own; a Trigger's own `webhook_secret` only for deliveries that Trigger
// (or the Triggers sharing that secret) may route.
import type { Resources } from './load.js';

export type Tenant =
  | { kind: 'organization'; name: string; installationId?: number }
  | { kind: 'global' }
  | { kind: 'triggers'; triggers: string[] };

export interface TenantKey {
  secret: string;
  tenant: Tenant;
}

export interface TenantIndex {
  /** In the order a match is taken: organizations, the global secret, then Trigger secrets. */
  keys: TenantKey[];
  /** Lower-cased names of the organizations with their own secret. */
  organizations: Set<string>;
  /** Configuration mistakes that would make the tenant of a delivery ambiguous. */
  problems: string[];
}

const cache = new WeakMap<Resources, TenantIndex>();

export function tenantIndex(res: Resources, env: NodeJS.ProcessEnv = process.env): TenantIndex {
  const hit = env === process.env ? cache.get(res) : undefined;
  if (hit) return hit;
  const gh = res.daemon.spec.platforms.github;
  const keys: TenantKey[] = [];
  const problems: string[] = [];
  const owners = new Map<string, string>();
  const add = (secret: string | undefined, tenant: Tenant, who: string) => {
    if (!secret) return;
    const prior = owners.get(secret);
    if (prior && tenant.kind === 'organization')
      problems.push(`${who} and ${prior} share one webhook secret: each organization needs its own`);
    if (!prior) owners.set(secret, who);
    keys.push({ secret, tenant });
  };
  for (const o of gh.organizations ?? []) {
    const installationId = o.installation_id === undefined ? undefined : Number(o.installation_id);
    add(env[o.webhook_secret_env], { kind: 'organization', name: o.name, installationId }, `organization ${o.name}`);
  }
  const global = gh.webhook_secret_env ? env[gh.webhook_secret_env] : undefined;
  add(global, { kind: 'global' }, 'the global secret');
  const byTriggerSecret = new Map<string, string[]>();
  for (const t of res.triggers) {
    // Another forge's Trigger secret verifies that forge's deliveries only, never a GitHub one.
    if (t.resource.spec.type !== 'GitHub') continue;
    const s = t.resource.spec.config.webhook_secret;
    if (!s || s === global) continue; // the global secret already covers every Trigger
    byTriggerSecret.set(s, [...(byTriggerSecret.get(s) ?? []), t.resource.metadata.name]);
  }
  for (const [secret, triggers] of byTriggerSecret) {
    if (owners.has(secret))
      problems.push(`Trigger ${triggers.join(', ')} uses the webhook secret of ${owners.get(secret)}`);
    else keys.push({ secret, tenant: { kind: 'triggers', triggers } });
  }
  const index = { keys, organizations: new Set((gh.organizations ?? []).map((o) => o.name.toLowerCase())), problems };
  if (env === process.env) cache.set(res, index);
  return index;
}

export function hasAnySecret(index: TenantIndex): boolean {
  return index.keys.length > 0;
}

export function missingSecretMessage(res: Resources): string {
  const gh = res.daemon.spec.platforms.github;
  const names = [gh.webhook_secret_env, ...(gh.organizations ?? []).map((o) => o.webhook_secret_env)].filter(Boolean);
  return `no webhook secret configured: set ${names.join(' or ') || 'platforms.github.webhook_secret_env'} (named in ${res.daemonFile}) to your GitHub webhook's secret; generate one with \`openssl rand -hex 32\``;
}

/** A GitLab secret (`X-Gitlab-Token`) and signing token, and the tenant they stand for. */
export interface GitLabKey {
  secret?: string;
  signingToken?: string;
  tenant: Tenant;
}

const gitlabCache = new WeakMap<Resources, GitLabKey[]>();

/**
 * GitLab's keys, in the order a match is taken: `platforms.gitlab`'s (every GitLab Trigger), then each
 * GitLab Trigger's own (the Triggers sharing it). A GitHub secret never verifies a GitLab delivery.
 */
export function gitlabKeys(res: Resources, env: NodeJS.ProcessEnv = process.env): GitLabKey[] {
  const hit = env === process.env ? gitlabCache.get(res) : undefined;
  if (hit) return hit;
  const p = res.daemon.spec.platforms.gitlab;
  const keys: GitLabKey[] = [];
  const fromEnv = (name: string | undefined) => (name ? env[name] || undefined : undefined);
  const global = { secret: fromEnv(p?.webhook_secret_env), signingToken: fromEnv(p?.signing_token_env) };
  if (p?.enabled !== false && (global.secret || global.signingToken))
    keys.push({ ...global, tenant: { kind: 'global' } });
  const byKey = new Map<string, GitLabKey & { tenant: { kind: 'triggers'; triggers: string[] } }>();
  for (const t of res.triggers) {
    const spec = t.resource.spec;
    if (spec.type !== 'GitLab') continue;
    const secret = spec.config.webhook_secret ?? fromEnv(spec.config.webhook_secret_env);
    const signingToken = spec.config.signing_token ?? fromEnv(spec.config.signing_token_env);
    if (!secret && !signingToken) continue;
    if (secret === global.secret && signingToken === global.signingToken) continue; // covered above
    const id = JSON.stringify([secret, signingToken]);
    const known = byKey.get(id);
    if (known) known.tenant.triggers.push(t.resource.metadata.name);
    else byKey.set(id, { secret, signingToken, tenant: { kind: 'triggers', triggers: [t.resource.metadata.name] } });
  }
  keys.push(...byKey.values());
  if (env === process.env) gitlabCache.set(res, keys);
  return keys;
}

const bitbucketCache = new WeakMap<Resources, TenantKey[]>();

/**
 * Bitbucket's keys (the secret of `X-Hub-Signature`), in the order a match is taken: `platforms.bitbucket`'s
 * (every Bitbucket Trigger), then each Bitbucket Trigger's own (the Triggers sharing it). A GitHub or GitLab
 * secret never verifies a Bitbucket delivery.
 */
export function bitbucketKeys(res: Resources, env: NodeJS.ProcessEnv = process.env): TenantKey[] {
  const hit = env === process.env ? bitbucketCache.get(res) : undefined;
  if (hit) return hit;
  const p = res.daemon.spec.platforms.bitbucket;
  const fromEnv = (name: string | undefined) => (name ? env[name] || undefined : undefined);
  const keys: TenantKey[] = [];
  const global = p?.enabled === false ? undefined : fromEnv(p?.webhook_secret_env);
  if (global) keys.push({ secret: global, tenant: { kind: 'global' } });
  const byTriggerSecret = new Map<string, string[]>();
  for (const t of res.triggers) {
    const spec = t.resource.spec;
    if (spec.type !== 'Bitbucket') continue;
    const secret = spec.config.webhook_secret ?? fromEnv(spec.config.webhook_secret_env);
    if (!secret || secret === global) continue; // the platform's secret already covers every Trigger
    byTriggerSecret.set(secret, [...(byTriggerSecret.get(secret) ?? []), t.resource.metadata.name]);
  }
  for (const [secret, triggers] of byTriggerSecret) keys.push({ secret, tenant: { kind: 'triggers', triggers } });
  if (env === process.env) bitbucketCache.set(res, keys);
  return keys;
}
