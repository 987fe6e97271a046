// What `aofctl simulate --forge gitlab|bitbucket` shares: where a forge's deliveries go, the webhook secret a
// forge's configuration names, and sending one delivery with the forge's headers and printing the answer.
import { loadConfig, triggersOf } from '../config/load.js';
import { readDevState } from './dev-state.js';

/** `<url>/webhook/<forge>` (the dev ingress, else localhost:3000); a URL that names that path already is kept. */
export function forgeEndpoint(forge: 'gitlab' | 'bitbucket', url: string | undefined): string {
  const base = (url ?? readDevState()?.ingressUrl ?? 'http://localhost:3000').replace(/\/+$/, '');
  return base.endsWith(`/webhook/${forge}`) ? base : `${base}/webhook/${forge}`;
}

/**
 * The webhook secret a forge would sign or send with: the variable `platforms.<forge>.webhook_secret_env`
 * names, else the first of the forge's Triggers' `webhook_secret` (or the variable its `webhook_secret_env`
 * names).
 */
export function forgeWebhookSecret(configPath: string, forge: 'GitLab' | 'Bitbucket'): string | undefined {
  let res;
  try {
    res = loadConfig(configPath);
  } catch {
    return undefined;
  }
  const platform = forge === 'GitLab' ? res.daemon.spec.platforms.gitlab : res.daemon.spec.platforms.bitbucket;
  const platformEnv = platform?.webhook_secret_env;
  if (platformEnv && process.env[platformEnv]) return process.env[platformEnv];
  for (const t of triggersOf(res, forge)) {
    const c = t.resource.spec.config;
    const secret = c.webhook_secret ?? (c.webhook_secret_env ? process.env[c.webhook_secret_env] : undefined);
    if (secret) return secret;
  }
  return undefined;
}

/** POSTs one delivery and prints `<what> delivery <id> -> <status> <answer>`; 0 when it was accepted. */
export async function sendDelivery(d: {
  url: string;
  headers: Record<string, string>;
  body: string;
  what: string;
  delivery: string;
}): Promise<number> {
  let res: Response;
  try {
    res = await fetch(d.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...d.headers },
      body: d.body,
    });
  } catch (err) {
    process.stderr.write(`aofctl simulate: cannot reach ${d.url}: ${(err as Error).message}\n`);
    return 1;
  }
  const text = await res.text();
  process.stdout.write(`${d.what} delivery ${d.delivery} -> ${res.status} ${text}\n`);
  return res.status < 300 ? 0 : 1;
}
