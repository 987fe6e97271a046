// `aofctl worker`: runs workflows and activities. Scale by starting more of these.
import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Server } from 'node:http';
import { collectDefaultMetrics } from 'prom-client';
import { createLogger } from '../log.js';
import { startMetricsServer } from '../telemetry/metrics-server.js';
import { startTracing } from '../telemetry/tracing.js';
import { workerMetrics } from '../telemetry/worker-metrics.js';
import { installTemporalRuntime } from '../temporal/runtime-logger.js';
import { missingSearchAttributes, registerCommand } from '../temporal/check-search-attributes.js';
import { waitForTemporal } from '../temporal/wait-for-temporal.js';
import { createWorkers, runWorkers } from '../worker/create-workers.js';
import { syncRedeliveryAndReport } from '../worker/redelivery-schedule.js';
import { syncTriggerSchedulesAndReport } from '../worker/trigger-schedules.js';
import { configStore } from '../config/config-store.js';
import type { Resources } from '../config/load.js';
import { loadOrExit } from './load-or-exit.js';
import { modelWarnings } from '../config/models.js';
import { formatProblem } from '../config/problems.js';
import { applyWorkerV8Flags } from '../worker/v8-flags.js';

export async function worker(configPath: string): Promise<void> {
  const logger = createLogger('worker');
  let v8Flags: string[];
  try {
    v8Flags = applyWorkerV8Flags();
  } catch (err) {
    process.stderr.write(`aofctl worker: ${(err as Error).message}\n`);
    process.exit(1);
  }
  // Off unless asked for (the image sets 9464): two local workers must not fight over a port.
  const metricsPort = process.env.AOF_METRICS_PORT ? Number(process.env.AOF_METRICS_PORT) : undefined;
  const sdkPort = Number(process.env.AOF_SDK_METRICS_PORT ?? (metricsPort ?? 0) + 1);
  installTemporalRuntime(logger, 'INFO', metricsPort !== undefined ? `127.0.0.1:${sdkPort}` : undefined);
  const resources = loadOrExit(configPath);
  for (const w of modelWarnings(resources.daemon, resources.agents.values(), resources.gates.values()))
    logger.warn(formatProblem(w));
  const t = resources.daemon.spec.temporal;
  const tracing = startTracing('worker');
  const metrics = workerMetrics();
  collectDefaultMetrics({ register: metrics.registry });
  let ready = false;
  let http: Server | undefined;
  if (metricsPort !== undefined) {
    http = await startMetricsServer({
      registry: metrics.registry,
      port: metricsPort,
      sdkMetricsUrl: `http://127.0.0.1:${sdkPort}/metrics`,
      ready: () => ready,
    });
    logger.info({ port: metricsPort }, `metrics on http://0.0.0.0:${metricsPort}/metrics`);
  }
  const connection = await waitForTemporal(() => NativeConnection.connect({ address: t.address }), {
    logger,
    address: t.address,
  });
  const missing = await missingSearchAttributes(connection, t.namespace);
  if (missing.length) {
    process.stderr.write(
      `aofctl worker: namespace "${t.namespace}" lacks the search attribute(s) ${missing.join(', ')}; register them with:\n  ${registerCommand(t.namespace, missing)}\n`,
    );
    process.exit(1);
  }
  const client = new Client({ connection, namespace: t.namespace });
  const workers = await createWorkers({ connection, resources, metrics, tracing, client });
  // Every worker brings the schedules (redelivery's, one per tenant; one per Schedule Trigger) in line with
  // its configuration, at start and, with `triggers.watch`, on every reload; a failure here is logged.
  let synced = Promise.resolve();
  const syncSchedules = (r: Resources) =>
    (synced = synced.then(async () => {
      await syncRedeliveryAndReport(client, r, logger);
      await syncTriggerSchedulesAndReport(client, r, logger);
    }));
  await syncSchedules(resources);
  const store = configStore(configPath, {
    onReload: (r) => void syncSchedules(r),
    onInvalid: (e) =>
      logger.error({ problems: e.problems }, 'configuration edit is invalid; the schedules keep the last good one'),
  });
  ready = true;
  logger.info(
    {
      temporal: t.address,
      namespace: t.namespace,
      taskQueues: [t.task_queue, t.github_task_queue],
      tracing: Boolean(tracing),
      v8Flags,
    },
    'worker started',
  );
  try {
    await runWorkers(workers);
  } finally {
    ready = false;
    store.close();
    await connection.close();
    http?.close();
    await tracing?.shutdown();
  }
}
