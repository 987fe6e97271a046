// Webhook secrets, resolved from the environment variables the config names. The ingress refuses to
// start without one: an unauthenticated webhook endpoint would let anyone start workflows.
import type { Resources } from './load.js';

export function webhookSecrets(res: Resources, env: NodeJS.ProcessEnv = process.env): string[] {
  const gh = res.daemon.spec.platforms.github;
  const names = [gh.webhook_secret_env, ...(gh.organizations ?? []).map((o) => o.webhook_secret_env)];
  const secrets = names.map((n) => (n ? env[n] : undefined));
  for (const t of res.triggers) secrets.push(t.resource.spec.config.webhook_secret);
  return [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length > 0))];
}

export function missingSecretMessage(res: Resources): string {
  const gh = res.daemon.spec.platforms.github;
  const env = gh.webhook_secret_env ?? 'GITHUB_WEBHOOK_SECRET';
  return `no webhook secret configured: set ${env} (platforms.github.webhook_secret_env in ${res.daemonFile}) to the secret of your GitHub webhook; generate one with \`openssl rand -hex 32\``;
}
