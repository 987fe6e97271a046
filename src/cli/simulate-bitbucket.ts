// `aofctl simulate --forge bitbucket <event-key>`: sends one of Bitbucket's documented example payloads
// (src/forges/bitbucket/examples; Cloud's keys such as `pullrequest:created`, Data Center's such as
// `pr:opened`) to a running ingress, signed and with the headers Bitbucket sends, as Bitbucket would.
import { randomUUID } from 'node:crypto';
import { sign } from '../ingress/signature.js';
import { bitbucketExample, bitbucketExampleKeys } from '../forges/bitbucket/examples/index.js';
import { BITBUCKET_HEADERS, PING_EVENT, normalizeBitbucketEvent } from '../forges/bitbucket/webhook.js';
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
  // Data Center's test delivery is not signed.
  const secret = o.event === PING_EVENT ? undefined : o.secret || forgeWebhookSecret(o.config, 'Bitbucket');
  if (!secret && o.event !== PING_EVENT)
    throw new UsageError(
      `simulate --forge bitbucket: no secret: pass --secret, or configure platforms.bitbucket.webhook_secret_env or a Bitbucket Trigger's webhook_secret in ${o.config}`,
    );
  const body = JSON.stringify(payload);
  const delivery = o.delivery ?? randomUUID();
  let repo = '?';
  try {
    repo = normalizeBitbucketEvent(o.event, payload).repository.fullName;
  } catch {
    /* the ping names no repository */
  }
  return sendDelivery({
    url,
    headers: bitbucketHeaders(flavor, o.event, delivery, secret ? sign(secret, body) : undefined),
    body,
    what: `${o.event} on ${repo}`,
    delivery,
  });
}
