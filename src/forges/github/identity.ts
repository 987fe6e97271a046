// The bot's own logins, learnt from its credentials: a GitHub App acts as `<slug>[bot]` (GET /app with the
// App's JWT), a token as whoever it belongs to (GET /user; an installation token, which GitHub refuses
// there, through GraphQL's `viewer`). `bot_name` only adds a name to ignore, never replaces these. A login
// once learnt is remembered; a failure is remembered for a minute, so a check never asks twice in a row.
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DaemonConfig } from '../../config/schema.js';
import { createOctokit } from './client.js';
import { IDENTITY_RETRY_MS, watchLearnt } from '../bot-names.js';

export { IDENTITY_RETRY_MS };

const known = new WeakMap<Octokit, { login: Promise<string | undefined>; failedAt?: number }>();

async function askLogin(gh: Octokit): Promise<string | undefined> {
  try {
    return (await gh.users.getAuthenticated()).data.login;
  } catch (err) {
    // An installation token: GitHub answers 403 "Resource not accessible by integration" to /user.
    if ((err as { status?: number }).status !== 403) throw err;
  }
  const answer = await gh.graphql<{ viewer?: { login?: string } | null }>('query { viewer { login } }');
  return answer?.viewer?.login ?? undefined;
}

/** Who this client acts as; undefined when GitHub would not say (asked again after IDENTITY_RETRY_MS). */
export function clientLogin(gh: Octokit, now = Date.now()): Promise<string | undefined> {
  const hit = known.get(gh);
  if (hit && (hit.failedAt === undefined || now - hit.failedAt < IDENTITY_RETRY_MS)) return hit.login;
  const entry: { login: Promise<string | undefined>; failedAt?: number } = {
    login: askLogin(gh).then(
      (login) => {
        if (login === undefined) entry.failedAt = now;
        return login;
      },
      () => {
        entry.failedAt = now;
        return undefined;
      },
    ),
  };
  known.set(gh, entry);
  return entry.login;
}

/** The login the daemon's credentials act as, or undefined when GitHub does not say (in 5 s). */
export async function credentialsLogin(
  daemon: DaemonConfig,
  daemonDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  const timeout = new Promise<undefined>(
    (resolve) => void (setTimeout(resolve, 5000) as unknown as NodeJS.Timeout).unref(),
  );
  return Promise.race([askGitHub(daemon, daemonDir, env), timeout]);
}

/**
 * Every login the bot's events may come from: what the credentials act as (the App's bot, the global
 * token's user, each organization token's user), plus `bot_name` when set.
 */
export async function botLogins(
  daemon: DaemonConfig,
  daemonDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string[]> {
  const gh = daemon.spec.platforms.github;
  const asked = [credentialsLogin(daemon, daemonDir, env)];
  for (const o of gh.organizations ?? []) {
    const token = o.token_env ? env[o.token_env] : undefined;
    if (token) asked.push(clientLogin(createOctokit(gh.api_url, token)));
  }
  const learnt = (await Promise.all(asked)).filter((l): l is string => Boolean(l));
  return [...new Set([...learnt, ...(gh.bot_name ? [gh.bot_name] : [])])];
}

/**
 * The bot's logins for the ingress: learnt once at start, and while the credentials' own login is unknown
 * asked again every IDENTITY_RETRY_MS. `current()` adds the configuration's current bot_name.
 */
export async function watchBotLogins(
  daemon: DaemonConfig,
  daemonDir: string,
  report: (bots: string[], known: boolean) => void = () => {},
): Promise<{ current: (botName?: string) => string[]; stop: () => void }> {
  const learnt = await watchLearnt(async () => {
    const names = await botLogins(daemon, daemonDir);
    return { names, known: names.some((b) => b !== daemon.spec.platforms.github.bot_name) };
  }, report);
  return {
    current: (botName) => {
      const bots = learnt.current();
      return botName && !bots.includes(botName) ? [...bots, botName] : bots;
    },
    stop: learnt.stop,
  };
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
