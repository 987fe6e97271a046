// POST /webhook/github (or /webhook/github/<org>), as small steps in order: read, verify, parse, check the
// identity, route, dispatch. A step that refuses throws a Refusal (status and reason, which GitHub shows in
// its delivery log); every refusal and failure is answered in one place, `answerFailure`. Nothing is
// parsed before the signature is verified over the raw bytes.
import type { Context } from 'koa';
import type { Logger } from '../log.js';
import type { Resources } from '../config/load.js';
import type { Trigger } from '../config/schema.js';
import { targetOf, type ForgeEvent, type LearntBotNames } from '../forges/port.js';
import { ForgePayloadError } from '../forges/inbound.js';
import type { UntrustedContent } from '../agents/prompt.js';
import { tenantIndex, type Tenant } from '../config/secrets.js';
import { eventAccepted, routeEvent, triggerAccepts } from '../routing/route.js';
import { githubEvent } from '../forges/github/event.js';
import { protectionRuleOf } from '../forges/github/protection-rule.js';
import { prSignalOf, type PrSignalTarget } from './pr-signals.js';
import type { ApprovalComment } from '../../workflows/definitions.js';
import { untrustedContent, withDefinedTarget, workflowInput } from '../routing/resolve.js';
import { isValidDeliveryId } from '../temporal/workflow-ids.js';
import type { Dispatcher } from './dispatch.js';
import { TemporalUnavailableError } from './temporal-unavailable.js';
import { BodyError, readBody } from './read-body.js';
import { keysForPath, verifiedTenant } from './tenant.js';
import { verifiedIdentity, type DeliveryIdentity } from './identity.js';
import { VERIFIED_STATE } from './metrics.js';

/** The other forges' bot names come in LearntBotNames (learnt from their credentials). */
export interface WebhookDeps extends LearntBotNames {
  resources: () => Resources;
  dispatch: Dispatcher;
  logger: Logger;
  /** The bot's own logins (from its credentials, plus bot_name): its own events start nothing. */
  botLogins?: () => readonly string[];
}

interface Delivery {
  id: string;
  event: string;
  body: Buffer;
  payload: Record<string, any>;
  tenant: Tenant;
  /** Whom the delivery is about, as verified: the only source of repository, installation, number and head. */
  identity: DeliveryIdentity;
  log: Logger;
}

export function answer(ctx: Context, status: number, body: Record<string, unknown>) {
  ctx.status = status;
  ctx.body = body;
}

/** A delivery refused on purpose: its HTTP status and the reason GitHub shows. */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    reason: string,
  ) {
    super(reason);
  }
}

const TEMPORAL_UNAVAILABLE = 'Temporal is unavailable; redeliver this delivery later';

/** The one place a refused or failed delivery is answered and logged. */
export function answerFailure(ctx: Context, log: Logger, err: unknown): void {
  if (err instanceof Refusal || err instanceof BodyError) {
    log.warn({ status: err.status, reason: err.message }, 'webhook rejected');
    if (err.status === 413) ctx.set('Connection', 'close');
    return answer(ctx, err.status, { error: err.message });
  }
  if (err instanceof TemporalUnavailableError) {
    log.error({ err: err.message }, 'temporal unavailable');
    return answer(ctx, 503, { error: TEMPORAL_UNAVAILABLE });
  }
  log.error({ err: (err as Error).message }, 'dispatch failed');
  return answer(ctx, 500, { error: 'could not start the workflow' });
}

/** A verified delivery's body as a JSON object, or a 400 saying why not. */
export function jsonPayload(body: Buffer): Record<string, any> {
  try {
    const payload = JSON.parse(body.toString('utf8'));
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) throw new Error('not a JSON object');
    return payload as Record<string, any>;
  } catch (err) {
    throw new Refusal(400, `malformed JSON payload: ${(err as Error).message}`);
  }
}

/**
 * What a forge's adapter makes of a verified delivery; a payload it finds invalid is a 400 (naming the
 * field), an event it does not act on is answered 202 here, with the reason (then: undefined).
 */
export function adapted<T>(ctx: Context, log: Logger, make: () => T): T | undefined {
  try {
    return make();
  } catch (err) {
    if (!(err instanceof ForgePayloadError)) throw err;
    if (err.kind === 'invalid') throw new Refusal(400, err.message);
    log.info({ reason: err.message }, 'unhandled');
    answer(ctx, 202, { status: 'unhandled', reason: err.message });
    return undefined;
  }
}

/** Handles a delivery; `org` is set when it arrived at that organization's own URL. */
export function webhookHandler(deps: WebhookDeps): (ctx: Context, org?: string) => Promise<void> {
  return async (ctx, org) => {
    const id = ctx.get('x-github-delivery');
    const event = ctx.get('x-github-event');
    const log = deps.logger.child({ delivery: id || undefined, event: event || undefined });
    try {
      const delivery = await verify(ctx, deps, id, event, org, log);
      await handleDelivery(ctx, deps, delivery);
    } catch (err) {
      answerFailure(ctx, log, err);
    }
  };
}

/** Read, verify, parse and check the identity: the delivery, or a Refusal. */
async function verify(
  ctx: Context,
  deps: WebhookDeps,
  id: string,
  event: string,
  org: string | undefined,
  log: Logger,
): Promise<Delivery> {
  if (!event) throw new Refusal(400, 'missing X-GitHub-Event header');
  if (!id) throw new Refusal(400, 'missing X-GitHub-Delivery header');
  if (!isValidDeliveryId(id)) throw new Refusal(400, 'malformed X-GitHub-Delivery header');

  const limit = deps.resources().daemon.spec.server.max_body_mb * 1024 * 1024;
  const body = await readBody(ctx.req, limit);
  const index = tenantIndex(deps.resources());
  const keys = keysForPath(index.keys, org);
  if (org !== undefined && keys.length === 0)
    throw new Refusal(404, `no organization "${org}" with its own webhook secret is configured`);
  const signature = ctx.get('x-hub-signature-256') || undefined;
  const tenant = verifiedTenant(keys, body, signature);
  if (!tenant) throw new Refusal(401, signature ? 'signature does not match' : 'missing X-Hub-Signature-256 header');
  (ctx.state as Record<string, unknown>)[VERIFIED_STATE] = true; // only now may metrics name its event
  const payload = jsonPayload(body);
  const verified = verifiedIdentity(tenant, event, payload, index.organizations);
  if ('refused' in verified) throw new Refusal(403, verified.refused);
  return {
    id,
    event,
    body,
    payload,
    tenant,
    identity: verified.identity,
    log: log.child({ tenant: tenantName(tenant) }),
  };
}

async function handleDelivery(ctx: Context, deps: WebhookDeps, d: Delivery) {
  if (d.event === 'ping') {
    d.log.info({ hook_id: d.payload.hook_id }, 'ping');
    return answer(ctx, 200, { status: 'pong' });
  }
  const res = deps.resources();
  const bots = deps.botLogins?.() ?? [res.daemon.spec.platforms.github.bot_name ?? ''];
  // A Trigger's own secret speaks for that Trigger only: nothing it would not route may pass.
  const triggers = res.triggers
    .map((t) => t.resource)
    .filter((t) => d.tenant.kind !== 'triggers' || d.tenant.triggers.includes(t.metadata.name));
  if (d.tenant.kind === 'triggers' && !triggers.some((t) => triggerAccepts(t, d.event, d.payload, d.identity)))
    throw new Refusal(
      403,
      `the secret of Trigger ${d.tenant.triggers.join(', ')} does not cover this delivery (its filters do not accept it)`,
    );
  const ev = githubEvent(d.event, d.payload, d.identity);
  if (d.event === 'deployment_protection_rule' && ev.action === 'requested') {
    // The answer goes to the configured GitHub API, never to a host the payload names.
    const rule = protectionRuleOf(d.payload, res.daemon.spec.platforms.github.api_url, d.identity);
    if ('refused' in rule) throw new Refusal(403, rule.refused);
    ev.protectionRule = rule;
  }
  return routeAndDispatch(ctx, deps, { ...d, ev, data: untrustedContent(d.payload), triggers, bots });
}

/**
 * A verified delivery of any forge, as its adapter made it: `/approve` and `/reject` answered, pushes and
 * closings passed to the flows running on the change, then routed, then started or signalled.
 */
export async function routeAndDispatch(
  ctx: Context,
  deps: WebhookDeps,
  d: {
    id: string;
    ev: ForgeEvent;
    data: UntrustedContent;
    identity?: Pick<DeliveryIdentity, 'installationBound' | 'installationId'>;
    triggers: Trigger[];
    bots: readonly string[];
    log: Logger;
  },
) {
  const prSignal = prSignalOf(d.ev, d.id, d.bots);
  if (prSignal?.consumes && deps.dispatch.approveFlow) return await approval(ctx, deps, d, prSignal);
  if (prSignal && deps.dispatch.notifyFlows) {
    const sent = await deps.dispatch.notifyFlows(prSignal);
    if (sent)
      d.log.info(
        { repo: prSignal.repo, number: prSignal.number, signal: prSignal.signal.name, flows: sent },
        'pull request signal',
      );
  }
  // A merged revert undoes the reverted pull request's completed flows (each in a run of its own).
  if (d.ev.reverts !== undefined && d.ev.repository && d.ev.number !== undefined && deps.dispatch.undoFlows) {
    const revert = { number: d.ev.number, deliveryId: d.id };
    const undone = await deps.dispatch.undoFlows({
      forge: d.ev.forge,
      repo: d.ev.repository,
      number: d.ev.reverts,
      revert,
    });
    d.log.info({ repo: d.ev.repository, number: d.ev.reverts, revert: revert.number, flows: undone }, 'revert');
  }
  // A target the configuration names but does not define (loading warned of it) is answered unhandled.
  const decision = withDefinedTarget(deps.resources(), routeEvent(d.triggers, d.ev, d.bots));
  const repo = decision.metadata.repo_full_name;
  if (!decision.matched) {
    d.log.info({ repo, action: d.ev.action, reason: decision.reason }, 'unhandled');
    return answer(ctx, 202, { status: 'unhandled', reason: decision.reason });
  }
  const input = workflowInput(deps.resources(), decision, d.id, d.ev, d.data, d.identity);
  const result = await deps.dispatch(input);
  d.log.info(
    {
      repo,
      trigger: decision.trigger,
      key: decision.key,
      target: decision.target,
      workflowId: result.workflowId,
      status: result.status,
    },
    'dispatched',
  );
  answer(ctx, result.status === 'duplicate' || result.status === 'none' ? 200 : 201, {
    ...result,
    trigger: decision.trigger,
    target: decision.target,
  });
}

/**
 * The Triggers a verified delivery of another forge may route: every one for the platform's secret; for a
 * Trigger's own secret, the Triggers sharing it, and only when one of them accepts the event (403 otherwise).
 */
export function tenantTriggers(res: Resources, tenant: Tenant, ev: ForgeEvent): Trigger[] {
  const triggers = res.triggers
    .map((t) => t.resource)
    .filter((t) => tenant.kind !== 'triggers' || tenant.triggers.includes(t.metadata.name));
  if (tenant.kind === 'triggers' && !triggers.some((t) => eventAccepted(t, ev)))
    throw new Refusal(
      403,
      `the secret of Trigger ${tenant.triggers.join(', ')} does not cover this delivery (its filters do not accept it)`,
    );
  return triggers;
}

/** The tenant's name in logs (never its secret). */
export function tenantName(t: Tenant): string {
  return t.kind === 'organization'
    ? `org:${t.name}`
    : t.kind === 'triggers'
      ? `triggers:${t.triggers.join(',')}`
      : 'global';
}

/** `/approve` or `/reject`: answered here (on the change, through its forge), never routed further. */
async function approval(
  ctx: Context,
  deps: WebhookDeps,
  d: { id: string; identity?: Pick<DeliveryIdentity, 'installationId'>; log: Logger },
  t: PrSignalTarget,
) {
  const res = deps.resources();
  const result = await deps.dispatch.approveFlow!(t);
  d.log.info({ repo: t.repo, number: t.number, commit: t.commit, ...result }, 'approval comment');
  // On a commit (no pull request) the answer is the delivery's: replies are comments on a change.
  if (t.number === undefined) return answer(ctx, result.status === 'signalled' ? 202 : 200, { ...result });
  const issueNumber = t.number;
  const decision = (t.signal.arg as ApprovalComment).decision;
  const change = t.forge === 'gitlab' ? 'merge request' : 'pull request';
  const reply = (body: string) =>
    deps.dispatch.reply?.(
      {
        ...targetOf(t.forge, t.repo, d.identity?.installationId),
        issueNumber,
        body,
        githubTaskQueue: res.daemon.spec.temporal.github_task_queue,
      },
      // One reply per delivery; GitHub's keep the key they always had.
      t.forge === 'github' ? d.id : `${t.forge}:${d.id}`,
    );
  if (result.status === 'nothing waiting')
    await reply(`Nothing on this ${change} is waiting for approval, so \`/${decision}\` changed nothing.`);
  if (result.status === 'ambiguous') {
    await reply(
      `Several deploys on this ${change} wait for approval (${result.environments.map((e) => `\`${e}\``).join(', ')}): say which, e.g. \`/${decision} ${result.environments[0]}\`.`,
    );
  }
  return answer(ctx, result.status === 'signalled' ? 202 : 200, { ...result });
}
