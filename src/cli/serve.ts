// `aofctl serve`: the webhook ingress. Stateless; run as many replicas as you like.
import { Client, Connection } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { Server } from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { configStore } from '../config/config-store.js';
import { dirname } from 'node:path';
import { hasAnySecret, missingSecretMessage, tenantIndex } from '../config/secrets.js';
import { botLogin } from '../github/identity.js';
import { createIngress } from '../ingress/app.js';
import { createDispatcher } from '../ingress/dispatch.js';
import { listen } from '../ingress/listen.js';
import { createLogger } from '../log.js';
import { startTracing } from '../telemetry/tracing.js';
import { waitForTemporal } from '../temporal/wait-for-temporal.js';
import { loadOrExit } from './load-or-exit.js';

export async function serve(configPath: string): Promise<Server> {
  const logger = createLogger('ingress');
  const resources = loadOrExit(configPath); // exits with every problem listed
  const tenants = tenantIndex(resources);
  if (!hasAnySecret(tenants)) {
    process.stderr.write(`aofctl serve: ${missingSecretMessage(resources)}\n`);
    process.exit(1);
  }
  if (tenants.problems.length) {
    process.stderr.write(tenants.problems.map((p) => `aofctl serve: ${p}\n`).join(''));
    process.exit(1);
  }
  // The bot's identity from its credentials, so its own comments never start anything.
  const bot = await botLogin(resources.daemon, dirname(configPath));
  if (bot) logger.info({ bot }, 'acting as this GitHub login');
  else
    logger.warn(
      "could not learn the bot's login from its credentials; set platforms.github.bot_name so its own comments are ignored",
    );
  const { temporal, server } = resources.daemon.spec;
  // Lazy: the ingress starts (and answers /health) while Temporal is still coming up; /ready tells.
  const store = configStore(configPath, {
    onReload: (r) => logger.info({ triggers: r.triggers.length, agents: r.agents.size }, 'configuration reloaded'),
    onInvalid: (e) =>
      logger.error({ problems: e.problems }, 'configuration edit is invalid; keeping the last good configuration'),
  });
  const tracing = startTracing('ingress');
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  const connection = Connection.lazy({ address: temporal.address });
  // The interceptor starts each workflow inside the webhook's span and passes the trace on in its headers.
  const client = new Client({
    connection,
    namespace: temporal.namespace,
    interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
  });
  // Only the health RPC: ensureConnected() would remember its first failure for the life of the process.
  const reachable = async () => {
    await connection.healthService.check({});
    return true;
  };
  // Not awaited: deliveries get a 503 (and /ready says not ready) until Temporal answers.
  void waitForTemporal(() => connection.withDeadline(Date.now() + 5000, reachable), {
    logger,
    address: temporal.address,
  });
  const app = createIngress({
    metrics,
    resources: store.current,
    dispatch: createDispatcher(client, temporal.task_queue),
    botLogin: () => store.current().daemon.spec.platforms.github.bot_name ?? bot,
    logger,
    ready: () => connection.withDeadline(Date.now() + 2000, reachable),
  });
  const http = await listen(app, server.port, server.host, server.timeout_secs);
  const port = (http.address() as { port: number }).port;
  logger.info(
    { port, temporal: temporal.address, namespace: temporal.namespace, triggers: resources.triggers.length },
    `ingress listening on http://${server.host}:${port}/webhook/github`,
  );
  const stop = () => {
    store.close();
    http.close();
    void connection.close();
    void tracing?.shutdown();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return http;
}
