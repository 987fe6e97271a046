// Webhook secrets, resolved from the environment variables the config names. With per-organization
// configuration a delivery must be signed with its own organization's secret; other deliveries with the
// global secret (platforms.github.webhook_secret_env, or a trigger's webhook_secret).
import type { Resources } from './load.js';

export interface SecretIndex {
  byOrg: Map<string, string[]>;
  global: string[];
}

const cache = new WeakMap<Resources, SecretIndex>();

const present = (values: (string | undefined)[]) => [...new Set(values.filter((s): s is string => typeof s === 'string' && s.length > 0))];

export function secretIndex(res: Resources, env: NodeJS.ProcessEnv = process.env): SecretIndex {
  const hit = env === process.env ? cache.get(res) : undefined;
  if (hit) return hit;
  const gh = res.daemon.spec.platforms.github;
  const index: SecretIndex = {
    byOrg: new Map((gh.organizations ?? []).map((o) => [o.name.toLowerCase(), present([env[o.webhook_secret_env]])])),
    global: present([gh.webhook_secret_env ? env[gh.webhook_secret_env] : undefined, ...res.triggers.map((t) => t.resource.spec.config.webhook_secret)]),
  };
  if (env === process.env) cache.set(res, index);
  return index;
}

/** The owner a delivery belongs to: its organization, else its repository's owner. */
export function deliveryOwner(payload: Record<string, any> | undefined): string | undefined {
  const owner = payload?.organization?.login ?? payload?.repository?.owner?.login;
  return typeof owner === 'string' ? owner : undefined;
}

/** The secrets a delivery may be signed with. */
export function secretsFor(index: SecretIndex, payload: Record<string, any> | undefined): string[] {
  const owner = deliveryOwner(payload)?.toLowerCase();
  return (owner && index.byOrg.get(owner)) || index.global;
}

export function hasAnySecret(index: SecretIndex): boolean {
  return index.global.length > 0 || [...index.byOrg.values()].some((s) => s.length > 0);
}

export function missingSecretMessage(res: Resources): string {
  const gh = res.daemon.spec.platforms.github;
  const names = [gh.webhook_secret_env, ...(gh.organizations ?? []).map((o) => o.webhook_secret_env)].filter(Boolean);
  return `no webhook secret configured: set ${names.join(' or ') || 'platforms.github.webhook_secret_env'} (named in ${res.daemonFile}) to your GitHub webhook's secret; generate one with \`openssl rand -hex 32\``;
}
