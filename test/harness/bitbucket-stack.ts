// What Bitbucket's end-to-end suites share: a daemon serving GitHub and Bitbucket (its secret and the
// bot's Basic credentials from the environment), the stack started against a Bitbucket sandbox whose bot
// account exists, and deliveries signed as Bitbucket signs them (`X-Hub-Signature`, Cloud's headers).
import { createHmac, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { bitbucketExample } from '../../src/forges/bitbucket/examples/index.js';
import type { BitbucketSandbox } from '../../src/sandbox/bitbucket/index.js';
import type { BitbucketState } from '../../src/sandbox/bitbucket/state.js';
import { userView } from '../../src/sandbox/bitbucket/users.js';
import { forgeDaemonYaml, triggerYaml } from './config-dir.js';
import { startStack, type Stack } from './stack.js';

/**
 * The bot's account in the sandbox: an Atlassian account's email and its API token (Basic auth on Cloud; on
 * Data Center the user name and an HTTP access token).
 */
export const BITBUCKET_BOT = { nickname: 'aofbot', email: 'aofbot@example.test', password: 'bb-api-token' };

/** The bot on Data Center, where Basic auth names the user. */
export const BITBUCKET_DC_BOT = { nickname: BITBUCKET_BOT.nickname, password: BITBUCKET_BOT.password };

/**
 * A DaemonConfig with GitHub and `platforms.bitbucket` (`bitbucket`: more of its keys, such as `api_url`), the
 * resource folders `dirs` and `extra` lines of its spec.
 */
export const bitbucketDaemon = (dirs: string[], bitbucket = '', extra = '') =>
  forgeDaemonYaml(
    `bitbucket: {webhook_secret_env: AOF_TEST_BITBUCKET_SECRET, username_env: AOF_TEST_BITBUCKET_USER, app_password_env: AOF_TEST_BITBUCKET_TOKEN${bitbucket ? `, ${bitbucket}` : ''}}`,
    dirs,
    extra,
  );

/** A DaemonConfig with `platforms.bitbucket` (no bot_name), Triggers and GateChecks from their folders. */
export const bitbucketDaemonYaml = bitbucketDaemon(['triggers', 'gates']);

/** The environment of a daemon above: its webhook secret and the bot's credentials (Cloud's or Data Center's). */
export const bitbucketEnv = (secret: string, o: BitbucketFlavorOption = {}) => ({
  AOF_TEST_BITBUCKET_SECRET: secret,
  AOF_TEST_BITBUCKET_USER: o.dataCenter ? BITBUCKET_BOT.nickname : BITBUCKET_BOT.email,
  AOF_TEST_BITBUCKET_TOKEN: BITBUCKET_BOT.password,
});

export const bitbucketTriggerYaml = (name: string, body: string) =>
  triggerYaml(name, body).replace('type: GitHub', 'type: Bitbucket');

/** Which of the sandbox's APIs the stack speaks: Cloud's (the default) or Data Center's. */
export interface BitbucketFlavorOption {
  dataCenter?: boolean;
}

/**
 * The stack on `dir`'s daemon.yaml, acting as BITBUCKET_BOT (add it to the sandbox first) at the sandbox's
 * Cloud API, or its Data Center API, where Basic auth names the user (`username`, default its nickname).
 */
export function startBitbucketStack(
  bitbucket: BitbucketSandbox,
  dir: string,
  secret: string,
  o: BitbucketFlavorOption = {},
): Promise<Stack> {
  return startStack({
    config: join(dir, 'daemon.yaml'),
    env: () => bitbucketEnv(secret, o),
    mutate: (r) =>
      (r.daemon.spec.platforms.bitbucket!.api_url = o.dataCenter ? bitbucket.dataCenterApiUrl : bitbucket.apiUrl),
  });
}

/**
 * POST /webhook/bitbucket of `body` as event `key`, signed with `secret`, a new delivery id each time (Cloud's
 * X-Request-UUID, Data Center's X-Request-Id).
 */
export function sendBitbucket(
  stack: Stack,
  secret: string,
  key: string,
  body: unknown,
  o: BitbucketFlavorOption = {},
): Promise<Response> {
  const raw = JSON.stringify(body);
  return fetch(`${stack.url}/webhook/bitbucket`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-event-key': key,
      [o.dataCenter ? 'x-request-id' : 'x-request-uuid']: randomUUID(),
      'x-hub-signature': `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`,
    },
    body: raw,
  });
}

/**
 * Bitbucket's example payload of `key` (in `myworkspace/backend`), moved to `repo` (`workspace/slug`), about
 * pull request `id` at source commit `head` (abbreviated to 12 characters, as Bitbucket does).
 */
export function bitbucketPayload(key: string, o: { repo?: string; id?: number; head?: string } = {}) {
  let p = bitbucketExample(key);
  if (o.repo) {
    const [ws, slug] = o.repo.split('/') as [string, string];
    const moved = JSON.stringify(p).replaceAll('myworkspace/backend', o.repo).replaceAll('myworkspace', ws);
    p = JSON.parse(moved);
    p.repository.name = slug;
  }
  if (o.id !== undefined) p.pullrequest.id = o.id;
  if (o.head) p.pullrequest.source.commit.hash = o.head.slice(0, 12);
  return p;
}

/** `sendBitbucket`, and the ingress's answer: its status and JSON body. */
export async function deliverBitbucket(stack: Stack, secret: string, key: string, body: unknown) {
  const res = await sendBitbucket(stack, secret, key, body);
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

/**
 * Bitbucket Cloud's example payload of `key` about pull request `id` of `repo` as the sandbox holds it (its
 * title, state, branches, source commit and author), sent by `actor`; `comment`: the new comment's text.
 */
export function payloadAbout(
  s: BitbucketState,
  key: string,
  o: { repo: string; id: number; actor: string; comment?: string },
): Record<string, any> {
  const pr = s.pullRequest(o.repo, o.id);
  if (!pr) throw new Error(`no pull request ${o.repo}#${o.id} in the sandbox`);
  const p = bitbucketPayload(key, { repo: o.repo, id: o.id, head: pr.sourceCommit });
  const account = (uuid: string) => ({ ...p.actor, ...userView(s.users.get(uuid)!) });
  p.actor = account(s.mustUser(o.actor).uuid);
  Object.assign(p.pullrequest, { title: pr.title, state: pr.state, author: account(pr.authorUuid) });
  p.pullrequest.links.html.href = `https://bitbucket.org/${o.repo}/pull-requests/${o.id}`;
  p.pullrequest.source.branch.name = pr.sourceBranch;
  p.pullrequest.destination.branch.name = pr.destBranch;
  p.pullrequest.destination.commit.hash = pr.destCommit.slice(0, 12);
  if (o.comment !== undefined) {
    if (!p.comment) throw new Error(`${key} carries no comment`);
    Object.assign(p.comment, { id: s.id(), content: { ...p.comment.content, raw: o.comment }, user: p.actor });
  }
  return p;
}
