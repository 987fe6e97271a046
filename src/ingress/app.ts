// The Koa ingress: a tiny core with five routes. No LLM or GitHub call happens here.
import Koa from 'koa';
import { Registry } from 'prom-client';
import type { Logger } from '../log.js';
import { cors } from './cors.js';
import { ingressMetrics } from './metrics.js';
import { ingressTracing } from './tracing.js';
import { webhookHandler, type WebhookDeps } from './webhook.js';
import { forgeWebhookHandler } from './forge-webhook.js';
import type { InboundForge } from '../forges/port.js';
import { gitlabInbound } from '../forges/gitlab/inbound.js';
import { bitbucketInbound } from '../forges/bitbucket/inbound.js';
import { repliesOncePerWindow } from './budgets.js';

export interface IngressDeps extends WebhookDeps {
  /** Temporal reachable and config loaded. */
  ready: () => Promise<boolean>;
  logger: Logger;
  /** Where GET /metrics reads from; a fresh registry otherwise (serve adds the process metrics to its own). */
  metrics?: Registry;
}

export function createIngress(deps: IngressDeps): Koa {
  const app = new Koa();
  // No-op replies once per pull request and window (budgets.ts); agent runs count their budgets themselves.
  const dispatch = repliesOncePerWindow(deps.dispatch, deps.resources);
  const webhook = webhookHandler({ ...deps, dispatch });
  // POST /webhook/<forge> of each other forge, through its adapter's inbound record.
  const forges = new Map(
    ([gitlabInbound, bitbucketInbound] as InboundForge<unknown>[]).map((f) => [
      `/webhook/${f.forge}`,
      forgeWebhookHandler(f, { ...deps, dispatch }),
    ]),
  );
  // Outermost, so they see the final status, also of a request that failed.
  app.use(ingressMetrics(deps.metrics ?? new Registry()));
  app.use(ingressTracing());
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      deps.logger.error({ err: (err as Error).message, path: ctx.path }, 'request failed');
      ctx.status = 500;
      ctx.body = { error: 'internal error' };
    }
  });
  app.use(cors(() => deps.resources().daemon.spec.server.cors));
  app.use(async (ctx) => {
    // `platforms.github.enabled: false` turns the webhook endpoint off (read per request: hot reload).
    if (/^\/webhook\/github(\/|$)/.test(ctx.path) && !deps.resources().daemon.spec.platforms.github.enabled) {
      ctx.status = 404;
      ctx.body = { error: 'the GitHub webhook endpoint is disabled (platforms.github.enabled: false)' };
      return;
    }
    if (ctx.method === 'POST' && ctx.path === '/webhook/github') return webhook(ctx);
    const forge = ctx.method === 'POST' ? forges.get(ctx.path) : undefined;
    if (forge) return forge(ctx);
    // One URL per organization: only that organization's secret is tried.
    const org = ctx.method === 'POST' ? /^\/webhook\/github\/([A-Za-z0-9][A-Za-z0-9-]{0,38})$/.exec(ctx.path) : null;
    if (org) return webhook(ctx, org[1]);
    if (ctx.method === 'GET' && ctx.path === '/health') {
      ctx.body = { status: 'ok' };
      return;
    }
    if (ctx.method === 'GET' && ctx.path === '/ready') {
      const ok = await deps.ready().catch(() => false);
      ctx.status = ok ? 200 : 503;
      ctx.body = { status: ok ? 'ready' : 'not ready' };
      return;
    }
    ctx.status = 404;
    ctx.body = { error: `no route for ${ctx.method} ${ctx.path}` };
  });
  return app;
}
