// The bot's own login, from its credentials: a GitHub App acts as `<slug>[bot]`, a personal token as its
// user. Used to ignore the bot's own events and to recognise its own comments; `bot_name` overrides.
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DaemonConfig } from '../config/schema.js';
import { createOctokit } from './client.js';

const known = new WeakMap<Octokit, Promise<string | undefined>>();

/** Who this client acts as; undefined when GitHub will not say (an installation token asks /user in vain). */
export function clientLogin(gh: Octokit): Promise<string | undefined> {
  let hit = known.get(gh);
  if (!hit) {
    hit = gh.users.getAuthenticated().then(
      ({ data }) => data.login,
      () => undefined,
    );
    known.set(gh, hit);
    void hit.then((login) => login === undefined && known.delete(gh)); // ask again next time
  }
  return hit;
}

/** The login configured or derived from the daemon's credentials, or undefined when neither says (in 5 s). */
export async function botLogin(
  daemon: DaemonConfig,
  daemonDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  if (daemon.spec.platforms.github.bot_name) return daemon.spec.platforms.github.bot_name;
  const timeout = new Promise<undefined>(
    (resolve) => void (setTimeout(resolve, 5000) as unknown as NodeJS.Timeout).unref(),
  );
  return Promise.race([askGitHub(daemon, daemonDir, env), timeout]);
}

async function askGitHub(daemon: DaemonConfig, daemonDir: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const gh = daemon.spec.platforms.github;
  try {
    if (gh.app) {
      const privateKey = readFileSync(resolve(daemonDir, gh.app.private_key_path), 'utf8');
      const app = new Octokit({
        baseUrl: gh.api_url,
        authStrategy: createAppAuth,
        auth: { appId: gh.app.app_id, privateKey },
        request: { retries: 0, timeout: 5000 },
      });
      const { data } = await app.apps.getAuthenticated();
      return data?.slug ? `${data.slug}[bot]` : undefined;
    }
    const token = gh.token_env ? env[gh.token_env] : undefined;
    return token ? await clientLogin(createOctokit(gh.api_url, token)) : undefined;
  } catch {
    return undefined;
  }
}
