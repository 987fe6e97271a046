// Octokit clients per event. Credentials are resolved inside the worker only (they never enter workflow
// history or logs), in this order: the event organization's token, the GitHub App's installation token,
// the global token. Installation tokens come from @octokit/auth-app, which caches each one until shortly
// before it expires.
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DaemonConfig } from '../config/schema.js';
import type { WorkerMetrics } from '../telemetry/worker-metrics.js';
import { observeRequests } from './request-metrics.js';
import type { RequestPacer } from './request-pacer.js';

export interface GitHubTarget {
  owner: string;
  /** From the event's payload (`installation.id`), when a GitHub App received it. */
  installationId?: number;
}

export type GitHubClientFor = (target: GitHubTarget) => Octokit;

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

export function createOctokit(baseUrl: string, token: string | undefined): Octokit {
  // Retries belong to Temporal (durable, visible in history), not to an in-process loop.
  return new Octokit({
    baseUrl,
    auth: token || undefined,
    userAgent: 'aof-temporal',
    request: { retries: 0 },
    log: quiet,
  });
}

function appOctokit(baseUrl: string, appId: string | number, privateKey: string, installationId: number): Octokit {
  return new Octokit({
    baseUrl,
    authStrategy: createAppAuth,
    auth: { appId, privateKey, installationId },
    userAgent: 'aof-temporal',
    request: { retries: 0 },
    log: quiet,
  });
}

export function githubClients(
  daemon: DaemonConfig,
  daemonDir = process.cwd(),
  env: NodeJS.ProcessEnv = process.env,
  metrics?: WorkerMetrics,
  /** Spaces every request of every client (all worker processes together stay within the rate). */
  pacer?: RequestPacer,
): GitHubClientFor {
  const gh = daemon.spec.platforms.github;
  const cache = new Map<string, Octokit>();
  let privateKey: string | undefined;
  const cached = (key: string, make: () => Octokit) => {
    let c = cache.get(key);
    if (!c) {
      cache.set(key, (c = make()));
      if (metrics) observeRequests(c, metrics);
      pacer?.pace(c);
    }
    return c;
  };
  return ({ owner, installationId }) => {
    const org = gh.organizations?.find((o) => o.name.toLowerCase() === owner.toLowerCase());
    if (org?.token_env) return cached(`env:${org.token_env}`, () => createOctokit(gh.api_url, env[org.token_env!]));
    const installation =
      installationId ?? (gh.app?.installation_id !== undefined ? Number(gh.app.installation_id) : undefined);
    if (gh.app && installation !== undefined) {
      privateKey ??= readFileSync(resolve(daemonDir, gh.app.private_key_path), 'utf8');
      return cached(`app:${installation}`, () => appOctokit(gh.api_url, gh.app!.app_id, privateKey!, installation));
    }
    return cached(`env:${gh.token_env ?? ''}`, () =>
      createOctokit(gh.api_url, gh.token_env ? env[gh.token_env] : undefined),
    );
  };
}

/** The GitHub App itself (a JWT, no installation): for the App's own endpoints such as its hook's deliveries. */
export function githubAppClient(
  daemon: DaemonConfig,
  daemonDir = process.cwd(),
  metrics?: WorkerMetrics,
  pacer?: RequestPacer,
): Octokit | undefined {
  const gh = daemon.spec.platforms.github;
  if (!gh.app) return undefined;
  const client = new Octokit({
    baseUrl: gh.api_url,
    authStrategy: createAppAuth,
    auth: { appId: gh.app.app_id, privateKey: readFileSync(resolve(daemonDir, gh.app.private_key_path), 'utf8') },
    userAgent: 'aof-temporal',
    request: { retries: 0 },
    log: quiet,
  });
  if (metrics) observeRequests(client, metrics);
  pacer?.pace(client);
  return client;
}
