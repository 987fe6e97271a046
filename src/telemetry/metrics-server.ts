// The worker's HTTP endpoint for Prometheus and probes: GET /metrics (our prom-client registry followed
// by the Temporal SDK core's own exposition, fetched from its loopback-only listener, so one scrape
// target covers both), GET /health (the process is up) and GET /ready (workers are polling).
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface MetricsServerOptions {
  registry: Registry;
  port: number;
  host?: string;
  /** The SDK core's Prometheus listener, e.g. http://127.0.0.1:9465/metrics. */
  sdkMetricsUrl?: string;
  ready: () => boolean;
}

export async function startMetricsServer(o: MetricsServerOptions): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return void res.writeHead(405).end();
    if (path === '/health')
      return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    if (path === '/ready') {
      const ok = o.ready();
      return void res
        .writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: ok ? 'ready' : 'not ready' }));
    }
    if (path !== '/metrics') return void res.writeHead(404).end();
    void Promise.all([o.registry.metrics(), sdkMetrics(o.sdkMetricsUrl)]).then(
      ([ours, sdk]) =>
        res.writeHead(200, { 'content-type': o.registry.contentType }).end(sdk ? `${ours}\n${sdk}` : ours),
      (err: Error) => res.writeHead(500).end(err.message),
    );
  });
  server.listen(o.port, o.host ?? '0.0.0.0');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  return server;
}

async function sdkMetrics(url: string | undefined): Promise<string> {
  if (!url) return '';
  // The core starts its listener with the first worker; before that there is nothing to add.
  return fetch(url, { signal: AbortSignal.timeout(2000) }).then(
    (r) => (r.ok ? r.text() : ''),
    () => '',
  );
}
