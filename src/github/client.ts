// Octokit clients per organization. Tokens are read from the environment variables the config names,
// inside the worker only: they never enter workflow history or logs.
import { Octokit } from '@octokit/rest';
import type { DaemonConfig } from '../config/schema.js';

export type GitHubClientFor = (owner: string) => Octokit;

export function createOctokit(baseUrl: string, token: string | undefined): Octokit {
  return new Octokit({
    baseUrl,
    auth: token || undefined,
    userAgent: 'aof-temporal',
    // Retries belong to Temporal (durable, visible in history), not to an in-process loop.
    request: { retries: 0 },
    log: { debug() {}, info() {}, warn() {}, error() {} },
  });
}

export function githubClients(daemon: DaemonConfig, env: NodeJS.ProcessEnv = process.env): GitHubClientFor {
  const gh = daemon.spec.platforms.github;
  const cache = new Map<string, Octokit>();
  return (owner: string) => {
    const org = gh.organizations?.find((o) => o.name.toLowerCase() === owner.toLowerCase());
    const tokenEnv = org?.token_env ?? gh.token_env;
    const key = tokenEnv ?? '';
    let client = cache.get(key);
    if (!client) {
      client = createOctokit(gh.api_url, tokenEnv ? env[tokenEnv] : undefined);
      cache.set(key, client);
    }
    return client;
  };
}
