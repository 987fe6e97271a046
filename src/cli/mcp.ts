// `aofctl mcp`: the daemon as an MCP server for coding agents (streamable HTTP at /mcp), reading pull
// requests' gate verdicts, deploy requests and locks from Temporal and asking gates for reviews. Stateless;
// it makes no forge or model call itself.
import type { Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { connectInBackground } from '../ingress/temporal-link.js';
import { deadlineCaller } from '../ingress/temporal-unavailable.js';
import { listen } from '../ingress/listen.js';
import { createLogger } from '../log.js';
import { mcpApp, MCP_PATH } from '../mcp/server.js';
import { pullRequestState } from '../mcp/pull-request-state.js';
import { mcpTokens } from '../mcp/tokens.js';
import { PROJECT_ROOT } from '../paths.js';
import { loadOrExit } from './load-or-exit.js';

/** How long one tool call may wait for Temporal, all its calls together. */
const TEMPORAL_TIMEOUT_MS = 10_000;

export async function mcp(configPath: string, overrides: { port?: number; host?: string } = {}): Promise<Server> {
  const logger = createLogger('mcp');
  const resources = loadOrExit(configPath);
  const file = relative(process.cwd(), resources.daemonFile) || resources.daemonFile;
  const { tokens, problems } = mcpTokens(resources.daemon, file);
  if (problems.length || tokens.count === 0) {
    process.stderr.write(problems.map((p) => `aofctl mcp: ${p}\n`).join(''));
    process.exit(1);
  }
  const { temporal } = resources.daemon.spec;
  const settings = resources.daemon.spec.mcp!;
  const link = connectInBackground(temporal.address, temporal.namespace, logger);
  const version = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const app = mcpApp({
    tokens,
    state: pullRequestState(deadlineCaller(link.client, TEMPORAL_TIMEOUT_MS)),
    logger,
    version,
  });
  const host = overrides.host ?? settings.host;
  const http = await listen(app, overrides.port ?? settings.port, host, 60);
  const port = (http.address() as { port: number }).port;
  logger.info(
    { port, temporal: temporal.address, organizations: tokens.count },
    `MCP server listening on http://${host}:${port}${MCP_PATH}`,
  );
  const stop = () => {
    http.close();
    void link.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return http;
}
