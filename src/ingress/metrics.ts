// Prometheus metrics of the ingress, as one Koa middleware around every request: deliveries by event
// and answer status, how long the acknowledgement took, and the routing outcome (the `status` field of
// the answer). The webhook handler stays unaware of metrics.
import type { Middleware } from 'koa';
import { Counter, Histogram, Registry } from 'prom-client';

const WEBHOOK_PATH = '/webhook/github';

export function ingressMetrics(registry: Registry): Middleware {
  const deliveries = new Counter({
    name: 'aof_webhook_deliveries_total',
    help: 'Webhook deliveries received, by X-GitHub-Event and HTTP answer status',
    labelNames: ['event', 'status'] as const,
    registers: [registry],
  });
  const ack = new Histogram({
    name: 'aof_webhook_ack_seconds',
    help: 'Time from receiving a webhook delivery to answering it (GitHub gives up after 10 s)',
    labelNames: ['event'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const routing = new Counter({
    name: 'aof_webhook_routing_total',
    help: 'Routing outcomes: started, duplicate, unhandled, signalled, nothing waiting, pong; rejected (4xx) or failed (5xx)',
    labelNames: ['event', 'outcome'] as const,
    registers: [registry],
  });

  return async (ctx, next) => {
    if (ctx.method === 'GET' && ctx.path === '/metrics') {
      ctx.type = registry.contentType;
      ctx.body = await registry.metrics();
      return;
    }
    if (ctx.path !== WEBHOOK_PATH) return next();
    const stop = ack.startTimer();
    try {
      await next();
    } finally {
      const event = eventLabel(ctx.get('x-github-event'), ctx.status);
      stop({ event });
      deliveries.inc({ event, status: String(ctx.status) });
      routing.inc({ event, outcome: outcomeOf(ctx.status, ctx.body) });
    }
  };
}

// Anyone can send any header before the signature is checked: label unverified deliveries as such, so
// label values stay GitHub's fixed set of event names.
const UNVERIFIED = new Set([400, 401, 413]);
function eventLabel(header: string, status: number): string {
  return /^[a-z_]{1,40}$/.test(header) && !UNVERIFIED.has(status) ? header : 'unverified';
}

function outcomeOf(status: number, body: unknown): string {
  if (status >= 500) return 'failed';
  if (status >= 400) return 'rejected';
  const s = (body as { status?: unknown } | null)?.status;
  return typeof s === 'string' ? s : 'unknown';
}
