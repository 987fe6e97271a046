// The worker's own Prometheus metrics (the Temporal SDK's runtime metrics come from its core; see
// metrics-server.ts). One registry per worker process; tests make their own.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export function workerMetrics(registry = new Registry()) {
  const registers = [registry];
  return {
    registry,
    activities: new Counter({
      name: 'aof_activity_executions_total',
      help: 'Activity attempts by activity type, task queue and outcome (completed, failed, cancelled)',
      labelNames: ['activity', 'task_queue', 'outcome'] as const,
      registers,
    }),
    activitySeconds: new Histogram({
      name: 'aof_activity_duration_seconds',
      help: 'Duration of one activity attempt',
      labelNames: ['activity', 'task_queue'] as const,
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
      registers,
    }),
    githubRequests: new Counter({
      name: 'aof_github_requests_total',
      help: 'GitHub API requests by method, route template and HTTP status (0: no answer)',
      labelNames: ['method', 'route', 'status'] as const,
      registers,
    }),
    githubRateLimitRemaining: new Gauge({
      name: 'aof_github_rate_limit_remaining',
      help: 'x-ratelimit-remaining of the latest GitHub answer, by rate-limit resource (core, search, ...)',
      labelNames: ['resource'] as const,
      registers,
    }),
    githubRequestsDelayed: new Counter({
      name: 'aof_github_requests_delayed_total',
      help: "GitHub API requests that waited for their turn (GitHub's budgets, requests_per_second) instead of starting at once",
      registers,
    }),
    webhookRedeliveries: new Counter({
      name: 'aof_webhook_redeliveries_total',
      help: 'Failed webhook deliveries the redelivery schedule asked GitHub to redeliver, by hook and event',
      labelNames: ['hook', 'event'] as const,
      registers,
    }),
    modelTokens: new Counter({
      name: 'aof_model_tokens_total',
      help: 'Model tokens by provider, model and kind (input, output, cache_read, cache_creation)',
      labelNames: ['provider', 'model', 'kind'] as const,
      registers,
    }),
  };
}

export type WorkerMetrics = ReturnType<typeof workerMetrics>;
