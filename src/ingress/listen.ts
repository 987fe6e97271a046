// Starts the ingress's HTTP server with `server.timeout_secs` as the time a client has to send its whole
// request; a slower one gets 408 and the connection is freed. (Koa's app.listen cannot set this.)
import { createServer, type Server } from 'node:http';
import type Koa from 'koa';

export async function listen(app: Koa, port: number, host: string, timeoutSecs: number): Promise<Server> {
  const requestTimeout = Math.round(timeoutSecs * 1000);
  const server = createServer(
    {
      requestTimeout,
      headersTimeout: Math.min(requestTimeout, 60_000),
      // Node checks for expired requests this often (30 s by default, longer than small timeouts).
      connectionsCheckingInterval: Math.min(1000, requestTimeout),
    },
    app.callback(),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
