// Octokit clients per event. Credentials are resolved inside the worker only (they never enter workflow
// history or logs), in this order: the event organization's token, the GitHub App's installation token,
// the global token. Installation tokens come from @octokit/auth-app, which caches each one until shortly
// before it expires.
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { ApplicationFailure } from '@temporalio/common';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DaemonConfig } from '../../config/schema.js';
import type { WorkerMetrics } from '../../telemetry/worker-metrics.js';
import { observeRequests } from './request-metrics.js';
import type { RequestPacer } from './request-pacer.js';

export interface GitHubTarget {
  owner: string;
  /**
   * From the event's payload (`installation.id`), when a GitHub App received it. The sender chose it: before
   * the first request through it, the worker asks GitHub whose installation it is, and acts through it only
   * for that account.
   */
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
  /** Keeps every client's requests within GitHub's budgets for its credential (all worker processes together). */
  pacer?: RequestPacer,
): GitHubClientFor {
  const gh = daemon.spec.platforms.github;
  const cache = new Map<string, Octokit>();
  let privateKey: string | undefined;
  let app: Octokit | undefined;
  /** The account each installation is on, as GitHub says (GET /app/installations/{id}, the App's JWT). */
  const accounts = new Map<number, Promise<string>>();
  const accountOf = (installation: number): Promise<string> => {
    let known = accounts.get(installation);
    if (!known) {
      app ??= new Octokit({
        baseUrl: gh.api_url,
        authStrategy: createAppAuth,
        auth: { appId: gh.app!.app_id, privateKey: privateKey! },
        userAgent: 'aof-temporal',
        request: { retries: 0 },
        log: quiet,
      });
      known = app
        .request('GET /app/installations/{installation_id}', { installation_id: installation })
        .then(({ data }) => String((data.account as { login?: string } | null)?.login ?? ''));
      accounts.set(installation, known);
      known.catch(() => accounts.delete(installation)); // asked again on the next request
    }
    return known;
  };
  /** `budget`: the credential GitHub counts the requests against (a token, an installation). */
  const cached = (key: string, make: () => Octokit, budget = key) => {
    let c = cache.get(key);
    if (!c) {
      cache.set(key, (c = make()));
      if (metrics) observeRequests(c, metrics);
      pacer?.pace(c, budget);
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
      return cached(
        `app:${installation}:${owner.toLowerCase()}`,
        () => {
          const client = appOctokit(gh.api_url, gh.app!.app_id, privateKey!, installation);
          // Before any request (the token's too): the installation must be on the owner acted for.
          client.hook.before('request', async () => {
            const account = await accountOf(installation);
            if (account.toLowerCase() !== owner.toLowerCase())
              throw ApplicationFailure.create({
                type: 'GitHubInstallationMismatch',
                message: `installation ${installation} is not installed on "${owner}"; nothing was sent through it`,
                nonRetryable: true,
              });
          });
          return client;
        },
        `installation:${installation}`,
      );
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
  pacer?.pace(client, 'app');
  return client;
}
