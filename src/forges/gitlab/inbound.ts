// GitLab's inbound side as the ingress drives it (src/ingress/forge-webhook.ts): POST /webhook/gitlab.
// The `X-Gitlab-Token` secret, or GitLab's signed webhooks (`webhook-signature`) where a signing token is
// configured, verifies a delivery, and its key is the tenant; `Idempotency-Key` (kept by GitLab on a
// resend) dedupes it.
import { gitlabKeys } from '../../config/secrets.js';
import type { InboundForge } from '../port.js';
import { header } from '../inbound.js';
import {
  GITLAB_HEADERS,
  gitlabDeliveryName,
  normalizeGitLabEvent,
  verifyGitLabDelivery,
  type GitLabEvent,
  type VerifyFailure,
} from './webhook.js';
import { gitlabForgeEvent, gitlabUntrustedContent } from './event.js';

const WHY: Record<VerifyFailure, string> = {
  not_configured: 'no GitLab webhook secret is configured',
  missing_token: 'missing X-Gitlab-Token header',
  bad_token: 'X-Gitlab-Token does not match',
  missing_signature: 'missing webhook-signature header',
  bad_signature: 'webhook-signature does not match',
  stale_timestamp: 'webhook-timestamp is outside the tolerance',
};

export const gitlabInbound: InboundForge<GitLabEvent> = {
  forge: 'gitlab',
  title: 'GitLab',
  eventHeader: 'X-Gitlab-Event',
  enabled: (res) => res.daemon.spec.platforms.gitlab?.enabled !== false,

  /** The tenant of the first key that verifies the delivery, or what was wrong (never a secret). */
  verify(res, headers, body) {
    const keys = gitlabKeys(res);
    if (keys.length === 0) return { refused: WHY.not_configured };
    let reason: VerifyFailure = 'bad_token';
    for (const k of keys) {
      const r = verifyGitLabDelivery({
        headers,
        body,
        secret: k.secret,
        signingToken: k.signingToken,
        nowSeconds: Math.floor(Date.now() / 1000),
      });
      if (r.ok) return { tenant: k.tenant };
      reason = r.reason;
    }
    if (header(headers, GITLAB_HEADERS.token) === undefined && keys.some((k) => k.secret)) reason = 'missing_token';
    return { refused: WHY[reason] };
  },

  deliveryName: (headers) => gitlabDeliveryName(headers).name,
  normalize: normalizeGitLabEvent,
  forgeEvent: gitlabForgeEvent,
  untrustedContent: gitlabUntrustedContent,

  /** Learnt from `GET /user` with the bot's tokens (src/forges/gitlab/identity.ts), plus bot_name. */
  bots(res, learnt) {
    const bot = res.daemon.spec.platforms.gitlab?.bot_name;
    return [...(learnt.gitlabBotNames?.() ?? []), ...(bot ? [bot] : [])];
  },
};
