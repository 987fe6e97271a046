// Builds the two workers of one worker process: workflows and model activities on the main task
// queue; GitHub activities on their own queue, their requests within GitHub's budgets (request-pacer.ts).
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import {
  NativeConnection,
  Worker,
  type WorkerOptions as SdkWorkerOptions,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { createAnswerActivities } from '../../activities/answers/index.js';
import { createCodeActivities } from '../../activities/code/index.js';
import { createHttpActivities } from '../../activities/http/index.js';
import { createModelActivities } from '../../activities/llm/index.js';
import { createLockActivities } from '../../activities/locks/index.js';
import { createVerdictActivities } from '../../activities/verdicts/index.js';
import { createFlowActivities } from '../../activities/flows/index.js';
import { createQuotaActivities } from '../../activities/quota/index.js';
import { countsQueueOf } from '../temporal/task-queues.js';
import { createGitLabVerbs } from '../forges/gitlab/verbs.js';
import { gitlabClients } from '../forges/gitlab/clients.js';
import { createGitLabRedelivery } from '../forges/gitlab/redelivery.js';
import { createBitbucketVerbs } from '../forges/bitbucket/verbs.js';
import { bitbucketClients } from '../forges/bitbucket/clients.js';
import { createMemoryActivities } from '../../activities/memory/index.js';
import { createMcpActivities } from '../../activities/mcp/index.js';
import { McpConnections } from '../../activities/mcp/connect.js';
import { providersFromEnv, type ProviderSettings } from '../../activities/llm/endpoints.js';
import { createGitHubActivities, forgeVerbsOf } from '../../activities/forge/index.js';
import { createScheduleActivities } from '../../activities/schedules/index.js';
import type { Resources } from '../config/load.js';
import type { EndpointConfig } from '../agents/providers.js';
import { githubAppClient, githubClients, type GitHubClientFor } from '../forges/github/client.js';
import { createRedeliveryActivities } from '../../activities/redelivery/index.js';
import type { Octokit } from '@octokit/rest';
import { prebuiltWorkflowBundle } from './workflow-bundle.js';
import { createRequire } from 'node:module';
import type { Tracing } from '../telemetry/tracing.js';
import { workerMetrics, type WorkerMetrics } from '../telemetry/worker-metrics.js';
import { activityMetrics } from './activity-metrics.js';
import { activityHeartbeat } from './activity-heartbeat.js';
import { dirname } from 'node:path';
import { hostname } from 'node:os';
import { RequestPacer } from '../forges/github/request-pacer.js';
import { githubWorkers, shareBudgets } from '../forges/github/worker-share.js';

export interface WorkerOptions {
  connection: NativeConnection;
  resources: Resources;
  /** A prebuilt bundle (tests build it once); otherwise the cached one (workflow-bundle.ts). */
  workflowBundle?: WorkflowBundleWithSourceMap;
  githubClientFor?: GitHubClientFor;
  /** Keys and base URLs per model provider; from the environment (ANTHROPIC_API_KEY, GOOGLE_API_KEY, ...) by default. */
  providers?: ProviderSettings;
  /** A Temporal client for activities that update other workflows (quotas); made from the address otherwise. */
  client?: Client;
  /** Activity, GitHub and model metrics land here; a private registry otherwise. */
  metrics?: WorkerMetrics;
  /** Traces workflows and activities, continuing the trace the ingress started. */
  tracing?: Tracing;
}

const OTEL_WORKFLOW_INTERCEPTORS = createRequire(import.meta.url).resolve(
  '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors',
);

/** Worker sets made by this process: each GitHub worker has an identity of its own. */
let workerSets = 0;

export async function createWorkers(opts: WorkerOptions): Promise<Worker[]> {
  const t = opts.resources.daemon.spec.temporal;
  // The quota activity talks to Temporal as a client; one connection, made on first use.
  let clientPromise: Promise<Client> | undefined;
  const client = () =>
    (clientPromise ??= opts.client
      ? Promise.resolve(opts.client)
      : Connection.connect({ address: t.address }).then(
          (connection) => new Client({ connection, namespace: t.namespace }),
        ));
  const gh = opts.resources.daemon.spec.platforms.github;
  const runtime = opts.resources.daemon.spec.runtime;
  const metrics = opts.metrics ?? workerMetrics();
  const observed: Pick<SdkWorkerOptions, 'interceptors' | 'plugins'> = {
    interceptors: { activity: [activityMetrics(metrics), activityHeartbeat()] },
    plugins: opts.tracing
      ? [new OpenTelemetryPlugin({ resource: opts.tracing.resource, spanProcessor: opts.tracing.spanProcessor })]
      : [],
  };
  const bundle =
    opts.workflowBundle ??
    // Traced workflows need OpenTelemetry's workflow interceptors inside the bundle.
    (await prebuiltWorkflowBundle(opts.tracing ? [OTEL_WORKFLOW_INTERCEPTORS] : []));
  const mcp = new McpConnections(dirname(opts.resources.daemonFile));
  const main = await Worker.create({
    ...observed,
    connection: opts.connection,
    namespace: t.namespace,
    taskQueue: t.task_queue,
    workflowBundle: bundle,
    activities: {
      ...createModelActivities(
        {
          defaults: opts.providers ?? providersFromEnv(),
          daemon: opts.resources.daemon.spec.providers,
          agents: agentEndpoints(opts.resources),
        },
        runtime.model_turn_timeout_secs * 1000,
        metrics,
      ),
      ...createCodeActivities(),
      ...createAnswerActivities(),
      ...createHttpActivities(),
      ...createQuotaActivities(client, t.task_queue, countsQueueOf(t.task_queue)),
      ...createLockActivities(client, t.task_queue),
      ...createVerdictActivities(client),
      ...createFlowActivities(client),
      ...createMemoryActivities(dirname(opts.resources.daemonFile)),
      // Agents' MCP servers: stdio ones started in this process and kept for later calls and runs.
      ...createMcpActivities(mcp),
    },
    maxConcurrentActivityTaskExecutions: activitySlots(opts.resources),
    // Bounded: open gates and quota months wait for days, and each cached run holds memory meanwhile.
    maxCachedWorkflows: runtime.max_cached_workflows,
    // A task being worked on holds its run in the cache: never more tasks at once than the cache holds.
    maxConcurrentWorkflowTaskExecutions: workflowTaskSlots(runtime.max_cached_workflows),
  });
  const daemonDir = dirname(opts.resources.daemonFile);
  // Every GitHub request is paced; this process takes its share of the budgets among the GitHub workers.
  const identity = `${process.pid}@${hostname()}#${++workerSets}`;
  const pacer = new RequestPacer({
    perSecond: gh.requests_per_second,
    budgets: {
      concurrent: gh.limits.concurrent_requests,
      writesPerMinute: gh.limits.content_creating_per_minute,
      writesPerHour: gh.limits.content_creating_per_hour,
      restPointsPerMinute: gh.limits.rest_points_per_minute,
      graphqlPointsPerMinute: gh.limits.graphql_points_per_minute,
    },
    onDelayed: () => metrics.githubRequestsDelayed.inc(),
  });
  const made: { github?: Worker } = {};
  const stopSharing = await shareBudgets(pacer, async () => {
    if (made.github && ['STOPPED', 'FAILED'].includes(made.github.getState())) stopSharing();
    return githubWorkers(await client(), t.namespace, t.github_task_queue, identity);
  });
  const clientFor =
    opts.githubClientFor ?? githubClients(opts.resources.daemon, daemonDir, process.env, metrics, pacer);
  // The App's JWT client reads the private key: only when a redelivery of the App hook asks for it.
  let appClient: Octokit | undefined;
  const gitlab = gitlabClients(opts.resources);
  const otherForges = {
    gitlab: createGitLabVerbs(gitlab),
    bitbucket: createBitbucketVerbs(bitbucketClients(opts.resources)),
  };
  const github = (made.github = await Worker.create({
    ...observed,
    identity,
    connection: opts.connection,
    namespace: t.namespace,
    taskQueue: t.github_task_queue,
    activities: {
      ...createGitHubActivities(clientFor, otherForges),
      // A Schedule Trigger's gate: the open pull requests listed here, each gate asked on the main queue.
      ...createScheduleActivities(forgeVerbsOf(clientFor, otherForges), client, t.task_queue),
      ...createRedeliveryActivities({
        clientFor,
        appClient: () => (appClient ??= githubAppClient(opts.resources.daemon, daemonDir, metrics, pacer)),
        organizations: () => gh.organizations ?? [],
        hasApp: gh.app !== undefined,
        metrics,
        gitlab: createGitLabRedelivery(gitlab),
      }),
    },
    // The optional ceiling, for all workers together; GitHub's own budgets are the pacer's.
    ...(gh.requests_per_second !== undefined ? { maxTaskQueueActivitiesPerSecond: gh.requests_per_second } : {}),
  }));
  // The counts (quota months, their ledgers, budget windows) on a queue of their own, so that their
  // answers never wait behind a flood of routed events on the main queue (src/temporal/task-queues.ts).
  const counts = await Worker.create({
    ...observed,
    connection: opts.connection,
    namespace: t.namespace,
    taskQueue: countsQueueOf(t.task_queue),
    workflowBundle: bundle,
    activities: createQuotaActivities(client, t.task_queue, countsQueueOf(t.task_queue)),
    maxCachedWorkflows: COUNTS_CACHED,
    maxConcurrentWorkflowTaskExecutions: COUNTS_CACHED,
    maxConcurrentActivityTaskExecutions: 4,
  });
  mcpOf.set(main, mcp);
  return [main, github, counts];
}

/** The MCP connections of each main worker, closed by `runWorkers` once its workers stopped. */
const mcpOf = new WeakMap<Worker, McpConnections>();

/** Count workflows the counts' worker keeps cached: the month's count, open budget windows, busy ledgers. */
const COUNTS_CACHED = 20;

/**
 * Activity slots of the main worker: runtime.max_concurrent_tasks, raised to the largest gate's
 * max_concurrency, so a gate's model calls in flight are what it says (one slot each) and not capped at
 * the default 10. Gates added by a later reload do not resize a running worker.
 */
export function activitySlots(resources: Resources): number {
  const gates = [...resources.gates.values()].map((g) => g.resource.spec.max_concurrency);
  return Math.max(resources.daemon.spec.runtime.max_concurrent_tasks, ...gates);
}

/** The SDK's 40 workflow task slots, fewer when the cache is smaller (with no cache, any number). */
export const workflowTaskSlots = (cached: number) => (cached === 0 ? 40 : Math.min(40, cached));

/** Agents' own model endpoints, by name: the workers read them from their configuration, like keys. */
function agentEndpoints(resources: Resources): Map<string, EndpointConfig> {
  return new Map(
    [...resources.agents].map(([name, a]) => [
      name,
      { base_url: a.resource.spec.base_url, api_key_env: a.resource.spec.api_key_env },
    ]),
  );
}

/** Runs the workers until one stops; shutting one down shuts down the other. MCP servers are closed after. */
export async function runWorkers(workers: Worker[]): Promise<void> {
  try {
    await Promise.all(
      workers.map((w) => w.run().finally(() => workers.forEach((o) => o.getState() === 'RUNNING' && o.shutdown()))),
    );
  } finally {
    await Promise.all(workers.flatMap((w) => mcpOf.get(w)?.closeAll() ?? []));
  }
}
