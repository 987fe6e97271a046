// Bitbucket's inbound side as the ingress drives it (src/ingress/forge-webhook.ts): POST
// /webhook/bitbucket, Cloud's and Data Center's deliveries. `X-Hub-Signature` (HMAC-SHA256 of the raw
// body) verifies a delivery, and the secret that signed it is the tenant; `X-Request-UUID` (Data Center:
// `X-Request-Id`) dedupes it. Data Center's unsigned test delivery (`diagnostics:ping`) is answered and
// starts nothing.
import { bitbucketKeys } from '../../config/secrets.js';
import type { InboundForge } from '../port.js';
import {
  PING_EVENT,
  bitbucketDeliveryName,
  normalizeBitbucketEvent,
  verifyBitbucketDelivery,
  type BitbucketEvent,
  type VerifyFailure,
} from './webhook.js';
import { bitbucketForgeEvent, bitbucketUntrustedContent } from './event.js';

const WHY: Record<VerifyFailure, string> = {
  not_configured: 'no Bitbucket webhook secret is configured',
  missing_signature: 'missing X-Hub-Signature header',
  bad_signature: 'X-Hub-Signature does not match',
};

export const bitbucketInbound: InboundForge<BitbucketEvent> = {
  forge: 'bitbucket',
  title: 'Bitbucket',
  eventHeader: 'X-Event-Key',
  enabled: (res) => res.daemon.spec.platforms.bitbucket?.enabled !== false,
  unsignedPing: (event) => event === PING_EVENT,
  verify(res, headers, body) {
    const v = verifyBitbucketDelivery(headers, body, bitbucketKeys(res));
    return v.ok ? { tenant: v.key.tenant } : { refused: WHY[v.reason] };
  },
  deliveryName: bitbucketDeliveryName,
  normalize: normalizeBitbucketEvent,
  forgeEvent: bitbucketForgeEvent,
  untrustedContent: bitbucketUntrustedContent,
  /**
   * Learnt from the bot's credentials (src/forges/bitbucket/identity.ts), plus `platforms.bitbucket.bot_name`
   * and each Bitbucket Trigger's `bot_name`.
   */
  bots(res, learnt) {
    const names = [...(learnt.bitbucketBotNames?.() ?? []), res.daemon.spec.platforms.bitbucket?.bot_name];
    for (const t of res.triggers) if (t.resource.spec.type === 'Bitbucket') names.push(t.resource.spec.config.bot_name);
    return names.filter((n): n is string => Boolean(n));
  },
};
