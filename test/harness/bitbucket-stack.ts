// What Bitbucket's end-to-end suites share: a daemon serving GitHub and Bitbucket (its secret and the
// bot's Basic credentials from the environment), the stack started against a Bitbucket sandbox whose bot
// account exists, and deliveries signed as Bitbucket signs them (`X-Hub-Signature`, Cloud's headers).
import { createHmac, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { bitbucketExample } from '../../src/forges/bitbucket/examples/index.js';
import { BitbucketSandbox } from '../../src/sandbox/bitbucket/index.js';
import type { BitbucketState } from '../../src/sandbox/bitbucket/state.js';
import { dataCenterUserView } from '../../src/sandbox/bitbucket/data-center-users.js';
import { userView } from '../../src/sandbox/bitbucket/users.js';
import { configDir, forgeDaemonYaml, triggerYaml } from './config-dir.js';
import { startStack, type Stack } from './stack.js';
import { until } from './until.js';
import { gateWorkflowId } from '../../src/ingress/dispatch.js';

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
  o: BitbucketFlavorOption & { anthropicUrl?: string } = {},
): Promise<Stack> {
  return startStack({
    config: join(dir, 'daemon.yaml'),
    ...(o.anthropicUrl ? { anthropicUrl: o.anthropicUrl } : {}),
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
export async function deliverBitbucket(
  stack: Stack,
  secret: string,
  key: string,
  body: unknown,
  o: BitbucketFlavorOption = {},
) {
  const res = await sendBitbucket(stack, secret, key, body, o);
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

/** What a payload is about: pull request `id` of `repo`, sent by `actor`; `comment`: the new comment's text. */
interface About {
  repo: string;
  id: number;
  actor: string;
  comment?: string;
}

/** The sandbox's pull request a payload is about. */
function heldPullRequest(s: BitbucketState, o: About) {
  const pr = s.pullRequest(o.repo, o.id);
  if (!pr) throw new Error(`no pull request ${o.repo}#${o.id} in the sandbox`);
  return pr;
}

/**
 * Bitbucket Cloud's example payload of `key` about pull request `id` of `repo` as the sandbox holds it (its
 * title, state, branches, source commit and author), sent by `actor`; `comment`: the new comment's text.
 */
export function payloadAbout(s: BitbucketState, key: string, o: About): Record<string, any> {
  const pr = heldPullRequest(s, o);
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

/**
 * Bitbucket Data Center's example payload of `key` (`pr:comment:added`...) about pull request `id` of `repo`
 * (`PROJECT/slug`) as the sandbox holds it (title, state, branches, commits, author), sent by `actor`;
 * `comment`: the new comment's text. Data Center's payloads carry full commit hashes.
 */
export function dataCenterPayloadAbout(s: BitbucketState, key: string, o: About): Record<string, any> {
  const pr = heldPullRequest(s, o);
  const [project, slug] = o.repo.split('/') as [string, string];
  const p = bitbucketExample(key);
  const user = (u: { nickname: string }) => ({ ...p.actor, ...dataCenterUserView(s.mustUser(u.nickname)) });
  const author = [...s.users.values()].find((u) => u.uuid === pr.authorUuid)!;
  p.actor = user(s.mustUser(o.actor));
  const href = `https://bitbucket.example.com/projects/${project}/repos/${slug}`;
  const ref = (r: Record<string, any>, branch: string, commit: string) => {
    Object.assign(r, { id: `refs/heads/${branch}`, displayId: branch, latestCommit: commit });
    Object.assign(r.repository, { slug, name: slug });
    r.repository.project.key = project;
    r.repository.project.links.self[0].href = `https://bitbucket.example.com/projects/${project}`;
    r.repository.links.self[0].href = `${href}/browse`;
  };
  const q = p.pullRequest;
  ref(q.fromRef, pr.sourceBranch, pr.sourceCommit);
  ref(q.toRef, pr.destBranch, pr.destCommit);
  Object.assign(q, { id: o.id, title: pr.title, state: pr.state, open: pr.state === 'OPEN' });
  q.closed = !q.open;
  q.author.user = user(author);
  q.links.self[0].href = `${href}/pull-requests/${o.id}`;
  if (o.comment !== undefined) {
    if (!p.comment) throw new Error(`${key} carries no comment`);
    Object.assign(p.comment, { id: s.id(), text: o.comment, author: p.actor });
  }
  return p;
}

/**
 * What a Bitbucket suite needs to run the same scenario on Cloud or on Data Center: the sandbox's API the
 * daemon speaks, the bot's credentials, the event keys Bitbucket sends, payloads about the sandbox's pull
 * requests, and where a pull request's resources are in the sandbox's request log.
 */
export interface BitbucketFlavor extends BitbucketFlavorOption {
  name: 'Cloud' | 'Data Center';
  /** The bot's account, as `addUser` takes it (its credentials as the flavor's Basic auth names them). */
  bot: { nickname: string; email?: string; password: string };
  apiUrl(bitbucket: BitbucketSandbox): string;
  /** The event keys: opened, edited (no new commits), pushed (new commits), merged, declined, commented. */
  keys: Record<'opened' | 'edited' | 'pushed' | 'merged' | 'declined' | 'commented', string>;
  /** The payload of `key` about pull request `id` of `repo` as the sandbox holds it, sent by `actor`. */
  payloadAbout: typeof payloadAbout;
  /** Sets what only the payload carries: the pull request's description, the actor's display name. */
  decorate(p: Record<string, any>, o: { description?: string; displayName?: string }): void;
  /** The path of pull request `id` of `repo` in the sandbox's request log. */
  prPath(repo: string, id: number): string;
}

export const BITBUCKET_FLAVORS: BitbucketFlavor[] = [
  {
    name: 'Cloud',
    bot: BITBUCKET_BOT,
    apiUrl: (b) => b.apiUrl,
    keys: {
      opened: 'pullrequest:created',
      edited: 'pullrequest:updated',
      pushed: 'pullrequest:updated',
      merged: 'pullrequest:fulfilled',
      declined: 'pullrequest:rejected',
      commented: 'pullrequest:comment_created',
    },
    payloadAbout,
    decorate(p, o) {
      if (o.description !== undefined) p.pullrequest.description = o.description;
      if (o.displayName !== undefined) p.actor.display_name = o.displayName;
    },
    prPath: (repo, id) => `/2.0/repositories/${repo}/pullrequests/${id}`,
  },
  {
    name: 'Data Center',
    dataCenter: true,
    bot: BITBUCKET_DC_BOT,
    apiUrl: (b) => b.dataCenterApiUrl,
    keys: {
      opened: 'pr:opened',
      edited: 'pr:modified',
      pushed: 'pr:from_ref_updated',
      merged: 'pr:merged',
      declined: 'pr:declined',
      commented: 'pr:comment:added',
    },
    payloadAbout: dataCenterPayloadAbout,
    decorate(p, o) {
      if (o.description !== undefined) p.pullRequest.description = o.description;
      if (o.displayName !== undefined) p.actor.displayName = o.displayName;
    },
    prPath: (repo, id) => {
      const [project, slug] = repo.split('/');
      return `/rest/api/1.0/projects/${project}/repos/${slug}/pull-requests/${id}`;
    },
  },
];

/** What a Bitbucket suite's hooks give its tests: the sandbox, its state, the stack and deliveries to it. */
export interface BitbucketSuite {
  bitbucket: BitbucketSandbox;
  s: BitbucketState;
  stack(): Stack;
  /** `sendBitbucket` to the stack with the suite's secret, as the suite's flavor sends it. */
  send(key: string, body: unknown): Promise<Response>;
  /** `deliverBitbucket` to the stack with the suite's secret, as the suite's flavor sends it. */
  deliver(key: string, body: unknown): Promise<{ status: number; body: Record<string, any> }>;
}

/**
 * A Bitbucket suite's setup, as mocha hooks of the calling `describe`: before, the sandbox started with the
 * flavor's bot (Cloud's by default), `seed` run on its state, and the stack on the config folder of `files`,
 * speaking the flavor's API with `secret`; after, both stopped.
 */
export function bitbucketSuite(o: {
  files: Record<string, string>;
  secret: string;
  flavor?: Pick<BitbucketFlavor, 'dataCenter' | 'bot'>;
  seed?: (s: BitbucketState) => void;
  /** Where the worker's Anthropic client points (a FakeAnthropic started before the suite's hooks). */
  anthropicUrl?: () => string;
}): BitbucketSuite {
  const bitbucket = new BitbucketSandbox();
  const s = bitbucket.state;
  const flavor = o.flavor ?? BITBUCKET_FLAVORS[0]!;
  const dir = configDir(o.files);
  let stack: Stack | undefined;
  before(async () => {
    await bitbucket.start();
    s.addUser(flavor.bot);
    o.seed?.(s);
    stack = await startBitbucketStack(bitbucket, dir, o.secret, { ...flavor, anthropicUrl: o.anthropicUrl?.() });
  });
  after(async () => {
    await stack?.stop();
    await bitbucket.stop();
  });
  const started = () => {
    if (!stack) throw new Error('the Bitbucket stack is not started');
    return stack;
  };
  return {
    bitbucket,
    s,
    stack: started,
    send: (key, body) => sendBitbucket(started(), o.secret, key, body, flavor),
    deliver: (key, body) => deliverBitbucket(started(), o.secret, key, body, flavor),
  };
}

/** Waits until the gate of pull request `id` of `repo` took `signals` review requests and waits for the next: what it did is all there is. */
export async function gateSettles(stack: Stack, repo: string, id: number, signals: number) {
  const handle = stack.client.workflow.getHandle(gateWorkflowId(repo, id, 'bitbucket'));
  await until(`the gate of ${repo}#${id} took ${signals} request(s) and is idle`, async () => {
    const events = (await handle.fetchHistory()).events ?? [];
    const received = events.filter((e) => e.workflowExecutionSignaledEventAttributes).length;
    return received >= signals && events.at(-1)?.timerStartedEventAttributes != null;
  });
}
