// `server.cors: true`: browsers on other origins may call the ingress's read endpoints (/health,
// /ready, /metrics), e.g. from a status page. Webhooks need no CORS: GitHub is not a browser.
import type { Middleware } from 'koa';

export function cors(enabled: () => boolean): Middleware {
  return async (ctx, next) => {
    if (!enabled()) return next();
    ctx.set('Access-Control-Allow-Origin', '*');
    if (ctx.method === 'OPTIONS' && ctx.get('Access-Control-Request-Method')) {
      ctx.set('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
      ctx.set('Access-Control-Allow-Headers', ctx.get('Access-Control-Request-Headers') || 'content-type');
      ctx.set('Access-Control-Max-Age', '600');
      ctx.status = 204;
      return;
    }
    return next();
  };
}
