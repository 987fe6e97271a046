// A running product for end-to-end tests: the real ingress over HTTP, real workers, a real Temporal
// dev server, and the GitHub sandbox. Each stack gets its own task queues so tests do not interfere.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { FakeAnthropic } from '../fakes/fake-anthropic.js';
import { configDir } from './config-dir.js';
import { listen } from '../../src/ingress/listen.js';
import { configStore, type ConfigStore } from '../../src/config/config-store.js';
import type { Resources } from '../../src/config/load.js';
import { createIngress } from '../../src/ingress/app.js';
import { createDispatcher, type Dispatcher } from '../../src/ingress/dispatch.js';
import { sign } from '../../src/ingress/signature.js';
import { createLogger } from '../../src/log.js';
import { GitHubSandbox } from '../../src/sandbox/github/server.js';
import { watchBotLogins } from '../../src/forges/github/identity.js';
import { watchGitLabBotNames } from '../../src/forges/gitlab/identity.js';
import { watchBitbucketBotNames } from '../../src/forges/bitbucket/identity.js';
import { createWorkers, runWorkers } from '../../src/worker/create-workers.js';
import type { ProviderSettings } from '../../activities/llm/endpoints.js';
import type { WorkerMetrics } from '../../src/telemetry/worker-metrics.js';
import { testTemporal, workflowBundle } from './temporal.js';

export const TEST_SECRET = 'test-webhook-secret-1f2e3d';
export const TEST_CONFIG = resolve(import.meta.dirname, '../fixtures/config/daemon.yaml');

export interface Stack {
  url: string;
  /** Registers a pull_request payload's PR (and its changed files) with the sandbox; returns the payload. */
  withPull<T extends Record<string, any>>(payload: T, files?: Record<string, unknown>[]): T;
  store: ConfigStore;
  sandbox: GitHubSandbox;
  client: Client;
  resources: Resources;
  /** The in-process workers (none with `withWorker: false`). */
  workers: Worker[];
  send(
    event: string,
    payload: unknown,
    opts?: { delivery?: string; secret?: string; headers?: Record<string, string>; path?: string },
  ): Promise<{ status: number; body: any; delivery: string }>;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** A Temporal server of the test's own (e.g. with lowered limits); the shared dev server otherwise. */
  temporal?: TestWorkflowEnvironment;
  config?: string;
  /** Replace the dispatcher (e.g. one pointed at an unreachable Temporal). */
  dispatch?: Dispatcher;
  withWorker?: boolean;
  mutate?: (r: Resources) => void;
  /** Environment variables the configuration reads, given the sandbox's URL (set before loading). */
  env?: (sandboxUrl: string) => Record<string, string>;
  /** Where the worker's Anthropic client points (a FakeAnthropic), with a test key. */
  anthropicUrl?: string;
  /** The worker's keys and base URLs per provider (instead of anthropicUrl); none by default. */
  providers?: ProviderSettings;
  /** The worker's metrics registry, to read what it counted. */
  metrics?: WorkerMetrics;
}

export const TEST_ANTHROPIC_KEY = 'sk-ant-test-key-do-not-leak';

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  process.env.AOF_TEST_WEBHOOK_SECRET = TEST_SECRET;
  process.env.AOF_TEST_GITHUB_TOKEN = 'ghs_test_installation_token';
  const sandbox = new GitHubSandbox();
  await sandbox.start();
  Object.assign(process.env, opts.env?.(sandbox.url));
  const id = randomUUID().slice(0, 8);
  const prepare = (r: Resources) => {
    r.daemon.spec.platforms.github.api_url = sandbox.url;
    r.daemon.spec.temporal.task_queue = `aof-test-${id}`;
    r.daemon.spec.temporal.github_task_queue = `aof-test-github-${id}`;
    opts.mutate?.(r);
  };
  // The same store `aofctl serve` uses, so hot reload is exercised when the config says watch: true.
  const store = configStore(opts.config ?? TEST_CONFIG, { prepare });
  const resources = store.current();

  const env = opts.temporal ?? (await testTemporal());
  const client = env.client;
  const logger = createLogger('test', process.env.LOG_LEVEL ?? 'silent');

  let workers: Worker[] = [];
  let running: Promise<unknown> = Promise.resolve();
  if (opts.withWorker !== false) {
    // The worker's real credential resolution (githubClients), pointed at the sandbox.
    workers = await createWorkers({
      connection: env.nativeConnection,
      resources,
      workflowBundle: await workflowBundle(),
      client: env.client,
      metrics: opts.metrics,
      providers:
        opts.providers ??
        (opts.anthropicUrl ? { anthropic: { apiKey: TEST_ANTHROPIC_KEY, baseURL: opts.anthropicUrl } } : {}),
    });
    running = runWorkers(workers);
  }

  // As `aofctl serve` does: the bot's logins from its credentials (at the sandbox), plus bot_name.
  const bots = await watchBotLogins(resources.daemon, dirname(resources.daemonFile));
  const gitlabBots = await watchGitLabBotNames(resources);
  const bitbucketBots = await watchBitbucketBotNames(resources);
  const app = createIngress({
    botLogins: () => bots.current(store.current().daemon.spec.platforms.github.bot_name),
    gitlabBotNames: gitlabBots.current,
    bitbucketBotNames: bitbucketBots.current,
    resources: store.current,
    dispatch: opts.dispatch ?? createDispatcher(client, resources.daemon.spec.temporal.task_queue),
    logger,
    ready: async () => {
      await env.connection.healthService.check({});
      return true;
    },
  });
  const http: Server = await listen(app, 0, '127.0.0.1', resources.daemon.spec.server.timeout_secs);
  const url = `http://127.0.0.1:${(http.address() as { port: number }).port}`;

  return {
    url,
    store,
    workers,
    withPull(
      payload,
      files = [
        {
          filename: 'README.md',
          status: 'modified',
          additions: 1,
          deletions: 1,
          changes: 2,
          patch: '@@ -1 +1 @@\n-Hello\n+Hello, world',
        },
      ],
    ) {
      const [owner, repo] = String(payload.repository.full_name).split('/');
      sandbox.addPull(owner!, repo!, payload.pull_request, files);
      return payload;
    },
    sandbox,
    client,
    resources,
    async send(event, payload, o = {}) {
      const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
      // GitHub sends events only about issues and pull requests that exist: so does the sandbox's GitHub.
      try {
        sandbox.addIssuesOf(typeof payload === 'string' ? JSON.parse(payload) : payload);
      } catch {
        /* not JSON: a test of a malformed delivery */
      }
      const delivery = o.delivery ?? randomUUID();
      const res = await fetch(`${url}${o.path ?? '/webhook/github'}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': event,
          'x-github-delivery': delivery,
          'x-hub-signature-256': sign(o.secret ?? TEST_SECRET, body),
          ...o.headers,
        },
        body,
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: parsed, delivery };
    },
    async stop() {
      bots.stop();
      gitlabBots.stop();
      bitbucketBots.stop();
      store.close();
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
      workers.forEach((w) => w.getState() === 'RUNNING' && w.shutdown());
      // An activity still running (a review a test left behind) cannot be cancelled: do not wait for ever.
      await Promise.race([running, new Promise((r) => setTimeout(r, 15_000).unref())]);
      await sandbox.stop();
    },
  };
}

/**
 * A stack on a throw-away configuration directory (`files`, relative path → YAML), optionally with a
 * fake Anthropic API; stopping it stops the fake and removes the directory.
 */
export async function startStackFor(
  files: Record<string, string>,
  opts: Omit<StackOptions, 'config' | 'anthropicUrl'> & { anthropic?: FakeAnthropic } = {},
): Promise<Stack> {
  const dir = configDir(files);
  const anthropicUrl = opts.anthropic ? await opts.anthropic.start() : undefined;
  const stack = await startStack({ ...opts, config: join(dir, 'daemon.yaml'), anthropicUrl });
  const stop = stack.stop;
  stack.stop = async () => {
    await stop();
    await opts.anthropic?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  return stack;
}
