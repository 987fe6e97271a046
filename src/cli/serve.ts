// `aofctl serve`: the webhook ingress. Stateless; run as many replicas as you like.
import type { Server } from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { configStore } from '../config/config-store.js';
import { dirname } from 'node:path';
import { hasAnySecret, missingSecretMessage, tenantIndex } from '../config/secrets.js';
import { watchBotLogins } from '../forges/github/identity.js';
import { watchGitLabBotNames } from '../forges/gitlab/identity.js';
import { watchBitbucketBotNames } from '../forges/bitbucket/identity.js';
import { createIngress } from '../ingress/app.js';
import { createDispatcher } from '../ingress/dispatch.js';
import { listen } from '../ingress/listen.js';
import { connectInBackground } from '../ingress/temporal-link.js';
import { createLogger } from '../log.js';
import { startTracing } from '../telemetry/tracing.js';
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
  // The bot's identity from its credentials, so its own comments never start anything; bot_name only adds
  // a name. Until GitHub says who the credentials act as, it is asked again every minute.
  const bots = await watchBotLogins(resources.daemon, dirname(configPath), (logins, known) =>
    known
      ? logger.info({ bots: logins }, 'acting as these GitHub logins')
      : logger.warn(
          { bots: logins },
          "could not learn the bot's login from its credentials; asking again every minute (its comments carry a marker and are never acted on meanwhile)",
        ),
  );
  // The same for GitLab and Bitbucket: the accounts their credentials act as; bot_name only adds a name.
  const learnt = (forge: string) => (names: string[], known: boolean) => {
    if (!known)
      logger.warn(
        { bots: names },
        `could not learn the ${forge} bot's account from its credentials; asking again every minute`,
      );
    else if (names.length) logger.info({ bots: names }, `acting as these ${forge} users`);
  };
  const gitlabBots = await watchGitLabBotNames(resources, learnt('GitLab'));
  const bitbucketBots = await watchBitbucketBotNames(resources, learnt('Bitbucket'));
  const { temporal, server } = resources.daemon.spec;
  const store = configStore(configPath, {
    onReload: (r) => logger.info({ triggers: r.triggers.length, agents: r.agents.size }, 'configuration reloaded'),
    onInvalid: (e) =>
      logger.error({ problems: e.problems }, 'configuration edit is invalid; keeping the last good configuration'),
  });
  const tracing = startTracing('ingress');
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  // Not awaited: deliveries get a 503 (and /ready says not ready) until Temporal answers.
  const temporalLink = connectInBackground(temporal.address, temporal.namespace, logger, Boolean(tracing));
  const app = createIngress({
    metrics,
    resources: store.current,
    dispatch: createDispatcher(temporalLink.client, temporal.task_queue),
    botLogins: () => bots.current(store.current().daemon.spec.platforms.github.bot_name),
    gitlabBotNames: gitlabBots.current,
    bitbucketBotNames: bitbucketBots.current,
    logger,
    ready: () => temporalLink.reachable(2000),
  });
  const http = await listen(app, server.port, server.host, server.timeout_secs);
  const port = (http.address() as { port: number }).port;
  logger.info(
    { port, temporal: temporal.address, namespace: temporal.namespace, triggers: resources.triggers.length },
    `ingress listening on http://${server.host}:${port}/webhook/github`,
  );
  const stop = () => {
    bots.stop();
    gitlabBots.stop();
    bitbucketBots.stop();
    store.close();
    http.close();
    void temporalLink.close();
    void tracing?.shutdown();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return http;
}
