// `aofctl serve`: the webhook ingress. Stateless; run as many replicas as you like.
import { Client, Connection } from '@temporalio/client';
import type { Server } from 'node:http';
import { configStore } from '../config/config-store.js';
import { hasAnySecret, missingSecretMessage, secretIndex } from '../config/secrets.js';
import { createIngress } from '../ingress/app.js';
import { createDispatcher } from '../ingress/dispatch.js';
import { createLogger } from '../log.js';
import { loadOrExit } from './load-or-exit.js';

export async function serve(configPath: string): Promise<Server> {
  const logger = createLogger('ingress');
  const resources = loadOrExit(configPath); // exits with every problem listed
  if (!hasAnySecret(secretIndex(resources))) {
    process.stderr.write(`aofctl serve: ${missingSecretMessage(resources)}\n`);
    process.exit(1);
  }
  const { temporal, server } = resources.daemon.spec;
  // Lazy: the ingress starts (and answers /health) while Temporal is still coming up; /ready tells.
  const store = configStore(configPath, {
    onReload: (r) => logger.info({ triggers: r.triggers.length, agents: r.agents.size }, 'configuration reloaded'),
    onInvalid: (e) => logger.error({ problems: e.problems }, 'configuration edit is invalid; keeping the last good configuration'),
  });
  const connection = Connection.lazy({ address: temporal.address });
  const client = new Client({ connection, namespace: temporal.namespace });
  const app = createIngress({
    resources: store.current,
    dispatch: createDispatcher(client, temporal.task_queue),
    logger,
    ready: () =>
      connection.withDeadline(Date.now() + 2000, async () => {
        await connection.ensureConnected();
        await connection.healthService.check({});
        return true;
      }),
  });
  const http = app.listen(server.port, server.host);
  await new Promise<void>((resolve) => http.once('listening', resolve));
  const port = (http.address() as { port: number }).port;
  logger.info({ port, temporal: temporal.address, namespace: temporal.namespace, triggers: resources.triggers.length }, `ingress listening on http://${server.host}:${port}/webhook/github`);
  const stop = () => {
    store.close();
    http.close();
    void connection.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return http;
}
