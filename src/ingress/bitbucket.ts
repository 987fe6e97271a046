// POST /webhook/bitbucket: Bitbucket Cloud's and Data Center's deliveries, in the same steps as GitLab's
// (gitlab.ts) and GitHub's (webhook.ts): read, verify (the secret that signed a delivery is its tenant),
// name it for dedupe (`X-Request-UUID`, Data Center's `X-Request-Id`), parse and normalise
// (src/forges/bitbucket), then route and start or signal. Nothing is parsed before the signature is
// verified; Data Center's unsigned test delivery (`diagnostics:ping`) is answered and starts nothing.
import type { Context } from 'koa';
import { bitbucketKeys } from '../config/secrets.js';
import { deliveryIdOf, type Headers } from '../forges/inbound.js';
import {
  BITBUCKET_HEADERS,
  PING_EVENT,
  bitbucketDeliveryName,
  normalizeBitbucketEvent,
  verifyBitbucketDelivery,
  type VerifyFailure,
} from '../forges/bitbucket/webhook.js';
import { bitbucketForgeEvent, bitbucketUntrustedContent } from '../forges/bitbucket/event.js';
import { readBody } from './read-body.js';
import { VERIFIED_STATE } from './metrics.js';
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

const WHY: Record<VerifyFailure, string> = {
  not_configured: 'no Bitbucket webhook secret is configured',
  missing_signature: 'missing X-Hub-Signature header',
  bad_signature: 'X-Hub-Signature does not match',
};

export function bitbucketWebhookHandler(deps: WebhookDeps): (ctx: Context) => Promise<void> {
  return async (ctx) => {
    const event = ctx.get(BITBUCKET_HEADERS.event);
    const log = deps.logger.child({ forge: 'bitbucket', event: event || undefined });
    try {
      const res = deps.resources();
      if (res.daemon.spec.platforms.bitbucket?.enabled === false)
        throw new Refusal(404, 'the Bitbucket webhook endpoint is disabled (platforms.bitbucket.enabled: false)');
      if (!event) throw new Refusal(400, 'missing X-Event-Key header');
      const body = await readBody(ctx.req, res.daemon.spec.server.max_body_mb * 1024 * 1024);
      if (event === PING_EVENT) {
        log.info('ping');
        return answer(ctx, 200, { status: 'pong' });
      }
      const headers = ctx.headers as Headers;
      const verified = verifyBitbucketDelivery(headers, body, bitbucketKeys(res));
      if (!verified.ok) throw new Refusal(401, WHY[verified.reason]);
      const tenant = verified.key.tenant;
      (ctx.state as Record<string, unknown>)[VERIFIED_STATE] = true;
      const payload = jsonPayload(body);
      const delivery = adapted(ctx, log, () => ({
        name: bitbucketDeliveryName(headers),
        event: normalizeBitbucketEvent(event, payload),
      }));
      if (!delivery) return;
      const id = deliveryIdOf(delivery.name);
      const ev = bitbucketForgeEvent(delivery.event);
      const triggers = tenantTriggers(res, tenant, ev);
      return await routeAndDispatch(ctx, deps, {
        id,
        ev,
        data: bitbucketUntrustedContent(payload),
        triggers,
        bots: botNames(res),
        log: log.child({ delivery: id, tenant: tenantName(tenant) }),
      });
    } catch (err) {
      answerFailure(ctx, log, err);
    }
  };
}

/** The bot's names: `platforms.bitbucket.bot_name` and each Bitbucket Trigger's `bot_name`. */
function botNames(res: ReturnType<WebhookDeps['resources']>): string[] {
  const names = [res.daemon.spec.platforms.bitbucket?.bot_name];
  for (const t of res.triggers) if (t.resource.spec.type === 'Bitbucket') names.push(t.resource.spec.config.bot_name);
  return names.filter((n): n is string => Boolean(n));
}
