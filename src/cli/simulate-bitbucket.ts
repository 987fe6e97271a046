// `aofctl simulate --forge bitbucket <event-key>`: sends one of Bitbucket's documented example payloads
// (src/forges/bitbucket/examples; Cloud's keys such as `pullrequest:created`, Data Center's such as
// `pr:opened`) to a running ingress, signed and with the headers Bitbucket sends, as Bitbucket would.
// Under `aofctl dev`, a pull request's delivery (Cloud's or Data Center's) first gives the dev Bitbucket sandbox
// that pull request.
import { createHash, randomUUID } from 'node:crypto';
import { sign } from '../ingress/signature.js';
import { bitbucketExample, bitbucketExampleKeys } from '../forges/bitbucket/examples/index.js';
import {
  BITBUCKET_HEADERS,
  PING_EVENT,
  normalizeBitbucketEvent,
  type BitbucketEvent,
} from '../forges/bitbucket/webhook.js';
import type { SimulatedPullRequest } from '../sandbox/bitbucket/control.js';
import { DEV_BITBUCKET_BOT, readDevState } from './dev-state.js';
import { SIMULATED_CHANGE } from './simulate-change.js';
import { forgeEndpoint, forgeWebhookSecret, sendDelivery } from './simulate-forge.js';
import { UsageError } from './usage-error.js';

export interface BitbucketSimulateOptions {
  /** The event key, e.g. `pullrequest:created` or `pr:comment:added`. */
  event: string;
  /** A comment's text, e.g. "/review". */
  body?: string;
  url?: string;
  secret?: string;
  config: string;
  /** The X-Request-UUID (Data Center: X-Request-Id); repeat one to try a redelivery. */
  delivery?: string;
}

/** The example for an event key, with a comment's text replaced. */
export function bitbucketSimulatedPayload(o: Pick<BitbucketSimulateOptions, 'event' | 'body'>) {
  const known = bitbucketExampleKeys();
  const found = known.find((e) => e.key === o.event);
  if (!found)
    throw new UsageError(
      `simulate --forge bitbucket: no example for "${o.event}"; event keys: ${known.map((e) => e.key).join(', ')}`,
    );
  const payload = bitbucketExample(o.event);
  if (o.body !== undefined) {
    if (payload.comment?.content) payload.comment.content.raw = o.body;
    else if (typeof payload.comment?.text === 'string') payload.comment.text = o.body;
    else throw new UsageError(`--body sets a comment's text: use pullrequest:comment_created or pr:comment:added`);
  }
  return { flavor: found.flavor, payload };
}

/** Bitbucket's headers: Cloud's (X-Request-UUID, X-Hook-UUID, X-Attempt-Number) or Data Center's (X-Request-Id). */
export function bitbucketHeaders(
  flavor: 'cloud' | 'data-center',
  event: string,
  delivery: string,
  signature: string | undefined,
): Record<string, string> {
  return {
    [BITBUCKET_HEADERS.event]: event,
    ...(signature ? { [BITBUCKET_HEADERS.signature]: signature } : {}),
    ...(flavor === 'cloud'
      ? {
          'user-agent': 'Bitbucket-Webhooks/2.0',
          [BITBUCKET_HEADERS.requestUuid]: delivery,
          [BITBUCKET_HEADERS.hookUuid]: `{${randomUUID()}}`,
          [BITBUCKET_HEADERS.attempt]: '1',
        }
      : { 'user-agent': 'Bitbucket', [BITBUCKET_HEADERS.requestId]: delivery }),
  };
}

export async function simulateBitbucket(o: BitbucketSimulateOptions): Promise<number> {
  const { flavor, payload } = bitbucketSimulatedPayload(o);
  const url = forgeEndpoint('bitbucket', o.url);
  // `aofctl dev` gives Bitbucket its dev secret too (BITBUCKET_WEBHOOK_SECRET in its processes, not this one).
  const dev = o.url === undefined ? readDevState() : undefined;
  // Data Center's test delivery is not signed.
  const secret =
    o.event === PING_EVENT ? undefined : o.secret || forgeWebhookSecret(o.config, 'Bitbucket') || dev?.secret;
  if (!secret && o.event !== PING_EVENT)
    throw new UsageError(
      `simulate --forge bitbucket: no secret: pass --secret, or configure platforms.bitbucket.webhook_secret_env or a Bitbucket Trigger's webhook_secret in ${o.config}`,
    );
  const body = JSON.stringify(payload);
  const delivery = o.delivery ?? randomUUID();
  let event: BitbucketEvent | undefined;
  try {
    event = normalizeBitbucketEvent(o.event, payload);
  } catch {
    /* the ping names no repository */
  }
  if (dev?.bitbucketSandboxUrl && event) await seedBitbucketSandbox(dev.bitbucketSandboxUrl, event);
  return sendDelivery({
    url,
    headers: bitbucketHeaders(flavor, o.event, delivery, secret ? sign(secret, body) : undefined),
    body,
    what: `${o.event} on ${event?.repository.fullName ?? '?'}`,
    delivery,
  });
}

/**
 * Gives the dev Bitbucket sandbox the pull request a delivery is about, Cloud's or Data Center's (its
 * repository, author, source commit and a small change to review), as Bitbucket would have it; a later
 * delivery's new source commit moves its head. The sandbox's Cloud and Data Center APIs share what it holds.
 */
async function seedBitbucketSandbox(sandboxUrl: string, event: BitbucketEvent): Promise<void> {
  const { number: id, headSha: head } = event;
  const repo = event.repository.fullName;
  if (id === undefined || !head) return;
  // Cloud's payloads abbreviate the hash (the sandbox holds a full one and resolves it by prefix); Data
  // Center's are full.
  const sourceCommit = (head + createHash('sha1').update(`${repo}#${id}@${head}`).digest('hex')).slice(0, 40);
  const seed: SimulatedPullRequest = {
    repo,
    id,
    author: event.author ?? 'someone',
    title: event.contextVariables.pr_title,
    sourceCommit,
    bot: DEV_BITBUCKET_BOT.nickname,
    changes: SIMULATED_CHANGE.map((f) => ({
      path: f.filename,
      status: f.status === 'added' ? 'added' : 'modified',
      // A diff's every line ends in a newline, the last one too.
      patch: f.patch.endsWith('\n') ? f.patch : `${f.patch}\n`,
      content: f.content,
    })),
  };
  await fetch(`${sandboxUrl}/_sandbox/pullrequests`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(seed),
  }).catch(() => undefined);
}
