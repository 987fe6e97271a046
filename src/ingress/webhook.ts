// POST /webhook/github, as small steps in order: read, verify, parse, route, dispatch. Each step
// either answers (with an HTTP status and reason GitHub shows in its delivery log) or passes on.
import type { Context, Middleware } from 'koa';
import type { Logger } from '../log.js';
import type { Resources } from '../config/load.js';
import { secretIndex, secretsFor } from '../config/secrets.js';
import { route } from '../routing/route.js';
import { prSignalOf } from './pr-signals.js';
import { workflowInput } from '../routing/resolve.js';
import { isValidDeliveryId } from '../temporal/workflow-ids.js';
import { TemporalUnavailableError, type Dispatcher } from './dispatch.js';
import { BodyError, readBody } from './read-body.js';
import { verifySignature } from './signature.js';

export interface WebhookDeps {
  resources: () => Resources;
  dispatch: Dispatcher;
  logger: Logger;
}

interface Delivery {
  id: string;
  event: string;
  body: Buffer;
  payload: Record<string, any>;
  log: Logger;
}

function answer(ctx: Context, status: number, body: Record<string, unknown>) {
  ctx.status = status;
  ctx.body = body;
}

export function webhookHandler(deps: WebhookDeps): Middleware {
  return async (ctx) => {
    const id = ctx.get('x-github-delivery');
    const event = ctx.get('x-github-event');
    const log = deps.logger.child({ delivery: id || undefined, event: event || undefined });
    const reject = (status: number, reason: string) => {
      log.warn({ status, reason }, 'webhook rejected');
      if (status === 413) ctx.set('Connection', 'close');
      answer(ctx, status, { error: reason });
    };

    if (!event) return reject(400, 'missing X-GitHub-Event header');
    if (!id) return reject(400, 'missing X-GitHub-Delivery header');
    if (!isValidDeliveryId(id)) return reject(400, 'malformed X-GitHub-Delivery header');

    const limit = deps.resources().daemon.spec.server.max_body_mb * 1024 * 1024;
    let body: Buffer;
    try {
      body = await readBody(ctx.req, limit);
    } catch (err) {
      if (err instanceof BodyError) return reject(err.status, err.message);
      throw err;
    }
    // Parsed before verification only to find the organization whose secret applies; nothing else
    // is read from an unverified payload.
    let payload: Record<string, any> | undefined;
    let malformed: string | undefined;
    try {
      payload = JSON.parse(body.toString('utf8'));
      if (!payload || typeof payload !== 'object' || Array.isArray(payload)) throw new Error('not a JSON object');
    } catch (err) {
      [payload, malformed] = [undefined, (err as Error).message];
    }
    const secrets = secretsFor(secretIndex(deps.resources()), payload);
    if (!verifySignature(secrets, body, ctx.get('x-hub-signature-256') || undefined)) {
      return reject(401, ctx.get('x-hub-signature-256') ? 'signature does not match' : 'missing X-Hub-Signature-256 header');
    }
    if (!payload) return reject(400, `malformed JSON payload: ${malformed}`);
    const delivery: Delivery = { id, event, body, payload, log };
    await handleDelivery(ctx, deps, delivery);
  };
}

async function handleDelivery(ctx: Context, deps: WebhookDeps, d: Delivery) {
  if (d.event === 'ping') {
    d.log.info({ hook_id: d.payload.hook_id }, 'ping');
    return answer(ctx, 200, { status: 'pong' });
  }
  const res = deps.resources();
  const botName = res.daemon.spec.platforms.github.bot_name;
  const prSignal = prSignalOf(d.event, d.payload, d.id, botName);
  if (prSignal && deps.dispatch.signalFlow) {
    try {
      const delivered = await deps.dispatch.signalFlow(prSignal);
      d.log.info({ repo: prSignal.repo, number: prSignal.number, signal: prSignal.signal.name, delivered }, 'pull request signal');
      if (prSignal.consumes) {
        if (!delivered && deps.dispatch.reply) {
          const owner = d.payload.repository.owner.login as string;
          await deps.dispatch.reply(
            { owner, repo: d.payload.repository.name, installationId: d.payload.installation?.id, issueNumber: prSignal.number, body: `Nothing on this pull request is waiting for approval, so \`/${(prSignal.signal.arg as { decision: string }).decision}\` changed nothing.`, githubTaskQueue: res.daemon.spec.temporal.github_task_queue },
            d.id,
          );
        }
        return answer(ctx, delivered ? 202 : 200, { status: delivered ? 'signalled' : 'nothing waiting', workflowId: `flow/${prSignal.repo}#${prSignal.number}` });
      }
    } catch (err) {
      if (err instanceof TemporalUnavailableError) return answer(ctx, 503, { error: 'Temporal is unavailable; redeliver this delivery later' });
      throw err;
    }
  }
  const decision = route(res.triggers.map((t) => t.resource), d.event, d.payload, botName);
  const repo = decision.metadata.repo_full_name;
  if (!decision.matched) {
    d.log.info({ repo, action: d.payload.action, reason: decision.reason }, 'unhandled');
    return answer(ctx, 202, { status: 'unhandled', reason: decision.reason });
  }
  const input = workflowInput(res, decision, d.id, d.event, d.payload);
  try {
    const result = await deps.dispatch(input);
    d.log.info({ repo, trigger: decision.trigger, key: decision.key, target: decision.target, workflowId: result.workflowId, status: result.status }, 'dispatched');
    answer(ctx, result.status === 'duplicate' ? 200 : 201, { ...result, trigger: decision.trigger, target: decision.target });
  } catch (err) {
    if (err instanceof TemporalUnavailableError) {
      d.log.error({ err: err.message }, 'temporal unavailable');
      return answer(ctx, 503, { error: 'Temporal is unavailable; redeliver this delivery later' });
    }
    d.log.error({ err: (err as Error).message }, 'dispatch failed');
    return answer(ctx, 500, { error: 'could not start the workflow' });
  }
}
