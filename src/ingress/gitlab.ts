// POST /webhook/gitlab: GitLab's deliveries, in the same steps as GitHub's (webhook.ts): read, verify
// (the secret or signing token that verifies a delivery is its tenant), name it for dedupe
// (`Idempotency-Key`, the same on GitLab's retries), parse and normalise (src/forges/gitlab), then
// route and start or signal. Nothing is parsed before the token or signature is verified.
import type { Context } from 'koa';
import { gitlabKeys, type Tenant } from '../config/secrets.js';
import { eventAccepted } from '../routing/route.js';
import {
  GitLabEventError,
  gitlabDeliveryName,
  header,
  normalizeGitLabEvent,
  verifyGitLabDelivery,
  type Headers,
  type VerifyFailure,
} from '../forges/gitlab/webhook.js';
import { gitlabDeliveryId, gitlabForgeEvent, gitlabUntrustedContent } from '../forges/gitlab/event.js';
import { readBody } from './read-body.js';
import { VERIFIED_STATE } from './metrics.js';
import { answer, answerFailure, Refusal, routeAndDispatch, tenantName, type WebhookDeps } from './webhook.js';

const WHY: Record<VerifyFailure, string> = {
  not_configured: 'no GitLab webhook secret is configured',
  missing_token: 'missing X-Gitlab-Token header',
  bad_token: 'X-Gitlab-Token does not match',
  missing_signature: 'missing webhook-signature header',
  bad_signature: 'webhook-signature does not match',
  stale_timestamp: 'webhook-timestamp is outside the tolerance',
};

export function gitlabWebhookHandler(deps: WebhookDeps): (ctx: Context) => Promise<void> {
  return async (ctx) => {
    const event = ctx.get('x-gitlab-event');
    const log = deps.logger.child({ forge: 'gitlab', event: event || undefined });
    try {
      const res = deps.resources();
      if (res.daemon.spec.platforms.gitlab?.enabled === false)
        throw new Refusal(404, 'the GitLab webhook endpoint is disabled (platforms.gitlab.enabled: false)');
      if (!event) throw new Refusal(400, 'missing X-Gitlab-Event header');
      const body = await readBody(ctx.req, res.daemon.spec.server.max_body_mb * 1024 * 1024);
      const headers = ctx.headers as Headers;
      const tenant = verified(gitlabKeys(res), headers, body);
      (ctx.state as Record<string, unknown>)[VERIFIED_STATE] = true;
      let payload: Record<string, any>;
      try {
        payload = JSON.parse(body.toString('utf8'));
      } catch (err) {
        throw new Refusal(400, `malformed JSON payload: ${(err as Error).message}`);
      }
      let name: string;
      let normalised;
      try {
        name = gitlabDeliveryName(headers).name;
        normalised = normalizeGitLabEvent(event, payload);
      } catch (err) {
        if (!(err instanceof GitLabEventError)) throw err;
        if (err.kind === 'invalid') throw new Refusal(400, err.message);
        log.info({ reason: err.message }, 'unhandled');
        return answer(ctx, 202, { status: 'unhandled', reason: err.message });
      }
      const id = gitlabDeliveryId(name);
      const ev = gitlabForgeEvent(normalised);
      const dlog = log.child({ delivery: id, tenant: tenantName(tenant) });
      // A Trigger's own secret speaks for that Trigger only: nothing it would not route may pass.
      const triggers = res.triggers
        .map((t) => t.resource)
        .filter((t) => tenant.kind !== 'triggers' || tenant.triggers.includes(t.metadata.name));
      if (tenant.kind === 'triggers' && !triggers.some((t) => eventAccepted(t, ev)))
        throw new Refusal(
          403,
          `the secret of Trigger ${tenant.triggers.join(', ')} does not cover this delivery (its filters do not accept it)`,
        );
      const bot = res.daemon.spec.platforms.gitlab?.bot_name;
      const bots = [...(deps.gitlabBotNames?.() ?? []), ...(bot ? [bot] : [])];
      return await routeAndDispatch(ctx, deps, {
        id,
        ev,
        data: gitlabUntrustedContent(payload),
        triggers,
        bots,
        log: dlog,
      });
    } catch (err) {
      answerFailure(ctx, log, err);
    }
  };
}

/** The tenant of the first key that verifies the delivery, or a 401 saying what was wrong (never a secret). */
function verified(keys: ReturnType<typeof gitlabKeys>, headers: Headers, body: Buffer): Tenant {
  if (keys.length === 0) throw new Refusal(401, WHY.not_configured);
  let reason: VerifyFailure = 'bad_token';
  for (const k of keys) {
    const r = verifyGitLabDelivery({
      headers,
      body,
      secret: k.secret,
      signingToken: k.signingToken,
      nowSeconds: Math.floor(Date.now() / 1000),
    });
    if (r.ok) return k.tenant;
    reason = r.reason;
  }
  if (header(headers, 'x-gitlab-token') === undefined && keys.some((k) => k.secret)) reason = 'missing_token';
  throw new Refusal(401, WHY[reason]);
}
