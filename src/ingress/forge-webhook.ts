// POST /webhook/<forge> for every forge but GitHub (whose older path, webhook.ts, also serves
// organizations' own URLs and GitHub's identity checks), in the same steps: read, verify (the secret that
// verifies a delivery is its tenant), name it for dedupe, parse and normalise through the forge's
// adapter, then route and start or signal (routeAndDispatch). Nothing is parsed before the delivery is
// verified. Each forge is one record (InboundForge) in its adapter folder.
import type { Context } from 'koa';
import type { InboundForge } from '../forges/port.js';
import { deliveryIdOf, type Headers } from '../forges/inbound.js';
import { readBody } from './read-body.js';
import { EVENT_STATE, VERIFIED_STATE } from './metrics.js';
import {
  adapted,
  answer,
  answerFailure,
  jsonPayload,
  Refusal,
  routeAndDispatch,
  tenantName,
  tenantTriggers,
  type WebhookDeps,
} from './webhook.js';

export function forgeWebhookHandler<E>(forge: InboundForge<E>, deps: WebhookDeps): (ctx: Context) => Promise<void> {
  return async (ctx) => {
    const event = ctx.get(forge.eventHeader);
    const log = deps.logger.child({ forge: forge.forge, event: event || undefined });
    try {
      const res = deps.resources();
      if (!forge.enabled(res))
        throw new Refusal(
          404,
          `the ${forge.title} webhook endpoint is disabled (platforms.${forge.forge}.enabled: false)`,
        );
      if (!event) throw new Refusal(400, `missing ${forge.eventHeader} header`);
      const body = await readBody(ctx.req, res.daemon.spec.server.max_body_mb * 1024 * 1024);
      if (forge.unsignedPing?.(event)) {
        log.info('ping');
        return answer(ctx, 200, { status: 'pong' });
      }
      const headers = ctx.headers as Headers;
      const verified = forge.verify(res, headers, body);
      if ('refused' in verified) throw new Refusal(401, verified.refused);
      (ctx.state as Record<string, unknown>)[VERIFIED_STATE] = true; // only now may metrics name its event
      const payload = jsonPayload(body);
      const delivery = adapted(ctx, log, () => ({
        name: forge.deliveryName(headers),
        event: forge.normalize(event, payload),
      }));
      if (!delivery) return;
      const id = deliveryIdOf(delivery.name);
      const ev = forge.forgeEvent(delivery.event);
      (ctx.state as Record<string, unknown>)[EVENT_STATE] = `${forge.forge}:${ev.event}`;
      return await routeAndDispatch(ctx, deps, {
        id,
        ev,
        data: forge.untrustedContent(payload),
        // A Trigger's own secret speaks for that Trigger only: nothing it would not route may pass (403).
        triggers: tenantTriggers(res, verified.tenant, ev),
        bots: forge.bots(res, deps),
        log: log.child({ delivery: id, tenant: tenantName(verified.tenant) }),
      });
    } catch (err) {
      answerFailure(ctx, log, err);
    }
  };
}
