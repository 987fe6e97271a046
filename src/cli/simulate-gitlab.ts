// `aofctl simulate --forge gitlab <event>`: sends one of GitLab's documented example payloads
// (src/forges/gitlab/examples) to a running ingress with the headers GitLab sends, as GitLab would.
import { createHash, randomUUID } from 'node:crypto';
import { FORGES } from '../config/forges.js';
import { gitlabExample, gitlabExampleNames } from '../forges/gitlab/examples/index.js';
import { GITLAB_HEADERS, GITLAB_HOOKS, PIPELINE_STATUSES } from '../forges/gitlab/webhook.js';
import { forgeEndpoint, forgeWebhookSecret, sendDelivery } from './simulate-forge.js';
import { UsageError } from './usage-error.js';
import { DEV_GITLAB_BOT, readDevState } from './dev-state.js';
import { SIMULATED_CHANGE } from './simulate-change.js';

/** The GitLab version simulated deliveries claim (`User-Agent: GitLab/<version>`). */
export const SIMULATED_GITLAB_VERSION = '17.4.0';

export interface GitLabPayloadOptions {
  /** object_kind: merge_request, note, pipeline or push. */
  event: string;
  /** merge_request: object_attributes.action; pipeline: object_attributes.status. */
  action?: string;
  /** note: the comment's text (object_attributes.note), e.g. "/review". */
  body?: string;
}

export interface GitLabSimulateOptions extends GitLabPayloadOptions {
  /** The ingress; deliveries go to <url>/webhook/gitlab. */
  url?: string;
  secret?: string;
  /** The DaemonConfig the secret is read from when --secret is not given. */
  config: string;
  /** The Idempotency-Key (repeat one to try a redelivery). */
  delivery?: string;
}

const HOOK_OF = Object.fromEntries(Object.entries(GITLAB_HOOKS).map(([hook, kind]) => [kind, hook])) as Record<
  string,
  keyof typeof GITLAB_HOOKS
>;

const MR_ACTIONS: readonly string[] = FORGES.GitLab.events.merge_request;

/** The example for an event and action: its own file when there is one, else the event's first. */
function exampleName(event: string, action: string | undefined): string {
  const names = gitlabExampleNames().filter((n) => n === event || n.startsWith(`${event}.`));
  if (action) {
    const own = names.find((n) => n === `${event}.${action}` || n.startsWith(`${event}.${action}.`));
    if (own) return own;
  }
  return names.find((n) => n === `${event}.open`) ?? names[0]!;
}

export function gitlabSimulatedPayload(o: GitLabPayloadOptions): { hook: string; payload: Record<string, any> } {
  const hook = HOOK_OF[o.event];
  if (!hook)
    throw new UsageError(
      `simulate --forge gitlab: no example for "${o.event}"; events: ${Object.keys(HOOK_OF).join(', ')}`,
    );
  if (o.action !== undefined) {
    const allowed: readonly string[] =
      o.event === 'merge_request' ? MR_ACTIONS : o.event === 'pipeline' ? PIPELINE_STATUSES : [];
    if (!allowed.length) throw new UsageError(`--action: GitLab ${o.event} events carry no action`);
    if (!allowed.includes(o.action))
      throw new UsageError(`--action: GitLab ${o.event} has no action "${o.action}"; known: ${allowed.join(', ')}`);
  }
  if (o.body !== undefined && o.event !== 'note')
    throw new UsageError(`--body sets a note's text: use the note event, not ${o.event}`);
  const action = o.event === 'merge_request' ? (o.action ?? 'open') : o.action;
  const payload = gitlabExample(exampleName(o.event, action));
  if (o.event === 'merge_request') payload.object_attributes.action = action;
  if (o.event === 'pipeline' && action) payload.object_attributes.status = action;
  if (o.body !== undefined) payload.object_attributes.note = o.body;
  return { hook, payload };
}

/** The headers GitLab sends with a delivery of `hook` (e.g. `Merge Request Hook`), its `Idempotency-Key` `delivery`. */
export function gitlabDeliveryHeaders(
  hook: string,
  secret: string,
  delivery: string,
  instance = 'https://gitlab.com',
): Record<string, string> {
  return {
    'user-agent': `GitLab/${SIMULATED_GITLAB_VERSION}`,
    [GITLAB_HEADERS.event]: hook,
    [GITLAB_HEADERS.token]: secret,
    [GITLAB_HEADERS.eventUuid]: randomUUID(),
    [GITLAB_HEADERS.webhookUuid]: randomUUID(),
    [GITLAB_HEADERS.instance]: instance,
    [GITLAB_HEADERS.idempotencyKey]: delivery,
  };
}

export async function simulateGitLab(o: GitLabSimulateOptions): Promise<number> {
  const { hook, payload } = gitlabSimulatedPayload(o);
  const url = forgeEndpoint('gitlab', o.url);
  // `aofctl dev` gives GitLab its dev secret too (GITLAB_WEBHOOK_SECRET in its processes, not this one).
  const dev = o.url === undefined ? readDevState() : undefined;
  const secret = o.secret || forgeWebhookSecret(o.config, 'GitLab') || dev?.secret;
  if (!secret)
    throw new UsageError(
      `simulate --forge gitlab: no secret: pass --secret, or configure platforms.gitlab.webhook_secret_env or a GitLab Trigger's webhook_secret in ${o.config}`,
    );
  const delivery = o.delivery ?? randomUUID();
  let instance = 'https://gitlab.com';
  try {
    instance = new URL(String(payload.project?.web_url)).origin;
  } catch {
    /* the example's project has no URL: gitlab.com */
  }
  const action = payload.object_attributes?.action ?? (o.event === 'pipeline' ? payload.object_attributes?.status : '');
  if (dev?.gitlabSandboxUrl) await seedGitLabSandbox(dev.gitlabSandboxUrl, payload);
  return sendDelivery({
    url,
    headers: gitlabDeliveryHeaders(hook, secret, delivery, instance),
    body: JSON.stringify(payload),
    what: `${o.event}${action ? `.${action}` : ''} on ${payload.project?.path_with_namespace ?? '?'}`,
    delivery,
  });
}

/**
 * Gives the dev GitLab sandbox the merge request a delivery is about (its project, author, head and a
 * small change to review), as GitLab would have it; a push to it moves its head.
 */
async function seedGitLabSandbox(sandboxUrl: string, payload: Record<string, any>): Promise<void> {
  const mr = payload.object_kind === 'merge_request' ? payload.object_attributes : payload.merge_request;
  if (!mr?.iid || !payload.project?.path_with_namespace) return;
  const authorId = Number(mr.author_id);
  await fetch(`${sandboxUrl}/_sandbox/merge_requests`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      project: payload.project.path_with_namespace,
      projectId: payload.project.id,
      iid: mr.iid,
      author: `user-${authorId}`,
      authorId,
      title: mr.title,
      headSha: mr.last_commit?.id ?? createHash('sha1').update(`head of !${mr.iid}`).digest('hex'),
      baseSha: createHash('sha1').update(`base of !${mr.iid}`).digest('hex'),
      bot: DEV_GITLAB_BOT.username,
      diffs: SIMULATED_CHANGE.map((f) => ({
        new_path: f.filename,
        diff: f.patch,
        new_file: f.status === 'added',
        content: f.content,
      })),
    }),
  }).catch(() => undefined);
}
