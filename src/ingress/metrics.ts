// Prometheus metrics of the ingress, as one Koa middleware around every request: deliveries by event
// and answer status, how long the acknowledgement took, and the routing outcome (the `status` field of
// the answer). The webhook handler stays unaware of metrics.
//
// The endpoint is public: only a delivery whose signature verified is labelled with its event, and only
// with one of GitHub's event names (EVENT_ACTIONS), or another forge's event as its adapter made it
// (`gitlab:merge_request`, `bitbucket:pullrequest`: a fixed set); any other verified event is `other`
// (`gitlab:other`), everything else (GET, HEAD, unsigned or badly signed POSTs, unknown URLs under the
// webhook path) is `unverified`. So no request can add series beyond a fixed bound (events x the statuses
// and outcomes this code answers with).
import type { Context, Middleware } from 'koa';
import { Counter, Histogram, Registry } from 'prom-client';
import { EVENT_ACTIONS } from '../config/event-actions.js';

/** /webhook/github, each organization's /webhook/github/<org>, and the other forges' /webhook/<forge>. */
const WEBHOOK_PATH = /^\/webhook\/(github|gitlab|bitbucket)(\/|$)/;
const EVENTS: ReadonlySet<string> = new Set(Object.keys(EVENT_ACTIONS));

export function ingressMetrics(registry: Registry): Middleware {
  const deliveries = new Counter({
    name: 'aof_webhook_deliveries_total',
    help: 'Webhook deliveries received, by event (X-GitHub-Event; forge:event for other forges) and HTTP answer status',
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
    if (!WEBHOOK_PATH.test(ctx.path)) return next();
    const stop = ack.startTimer();
    try {
      await next();
    } finally {
      const event = eventLabel(ctx);
      stop({ event });
      deliveries.inc({ event, status: String(ctx.status) });
      routing.inc({ event, outcome: outcomeOf(ctx.status, ctx.body) });
    }
  };
}

/**
 * Where the webhook handler records that a delivery's signature verified (`ctx.state[VERIFIED_STATE] =
 * true`), and that it did not (`false`). Without either, the answer's status tells: the handler answers
 * 400, 401, 404 or 413 before or when the signature check fails, and only a verified delivery gets
 * anything else from it (403 outside its tenant, 2xx, 5xx).
 */
export const VERIFIED_STATE = 'webhookVerified';
/** Where another forge's handler records the verified delivery's event, as its adapter made it. */
export const EVENT_STATE = 'webhookEvent';
const BEFORE_VERIFICATION = new Set([400, 401, 404, 405, 413]);

function verified(ctx: Context): boolean {
  if (ctx.method !== 'POST') return false;
  const said = (ctx.state as Record<string, unknown>)[VERIFIED_STATE];
  if (typeof said === 'boolean') return said;
  return !BEFORE_VERIFICATION.has(ctx.status);
}

// Anyone can send any header before the signature is checked: only a verified delivery's event is a label.
function eventLabel(ctx: Context): string {
  if (!verified(ctx)) return 'unverified';
  const forge = WEBHOOK_PATH.exec(ctx.path)![1]!;
  if (forge !== 'github') {
    const made = (ctx.state as Record<string, unknown>)[EVENT_STATE];
    return typeof made === 'string' ? made : `${forge}:other`;
  }
  const event = ctx.get('x-github-event');
  return EVENTS.has(event) ? event : 'other';
}

function outcomeOf(status: number, body: unknown): string {
  if (status >= 500) return 'failed';
  if (status >= 400) return 'rejected';
  const s = (body as { status?: unknown } | null)?.status;
  return typeof s === 'string' ? s : 'unknown';
}
