// What the Bitbucket end-to-end tests share: a daemon serving Bitbucket Cloud (the sandbox's API), the
// credentials and webhook secret it reads from the environment, deliveries signed as Bitbucket signs them
// (`X-Hub-Signature: sha256=<hex HMAC>`, `X-Request-UUID`), and Bitbucket's documented example payloads
// (src/forges/bitbucket/examples/) retold about a pull request the sandbox holds.
import { createHmac, randomUUID } from 'node:crypto';
import { bitbucketExample } from '../../src/forges/bitbucket/examples/index.js';
import { userView } from '../../src/sandbox/bitbucket/users.js';
import type { BitbucketState } from '../../src/sandbox/bitbucket/state.js';
import { forgeDaemonYaml } from './config-dir.js';

export const BITBUCKET_SECRET = 'bb-e2e-s3cret';
/** The bot's account: an Atlassian account's email and API token, sent as Basic auth. */
export const BITBUCKET_BOT = { nickname: 'aofbot', email: 'aofbot@example.test', password: 'bb-api-token' };
export const BITBUCKET_ENV = {
  AOF_TEST_BITBUCKET_SECRET: BITBUCKET_SECRET,
  AOF_TEST_BITBUCKET_USER: BITBUCKET_BOT.email,
  AOF_TEST_BITBUCKET_TOKEN: BITBUCKET_BOT.password,
};

/**
 * A DaemonConfig with GitHub and Bitbucket (`bitbucket`: more keys of platforms.bitbucket, such as its
 * `api_url`), the resource directories `dirs` and `extra` lines of its spec.
 */
export const bitbucketDaemonYaml = (dirs: string[], bitbucket = '', extra = '') =>
  forgeDaemonYaml(
    `bitbucket: {webhook_secret_env: AOF_TEST_BITBUCKET_SECRET, username_env: AOF_TEST_BITBUCKET_USER, app_password_env: AOF_TEST_BITBUCKET_TOKEN${bitbucket ? `, ${bitbucket}` : ''}}`,
    dirs,
    extra,
  );

export const bitbucketTriggerYaml = (name: string, body: string) =>
  `apiVersion: aof.dev/v1\nkind: Trigger\nmetadata: {name: ${name}}\nspec:\n  type: Bitbucket\n${body.replace(/^/gm, '  ')}\n`;

/** A Bitbucket Cloud delivery of `key`, signed with `secret`; the ingress's answer. */
export async function sendBitbucket(url: string, key: string, payload: unknown, secret = BITBUCKET_SECRET) {
  const raw = JSON.stringify(payload);
  const res = await fetch(`${url}/webhook/bitbucket`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-event-key': key,
      'x-request-uuid': randomUUID(),
      'x-hub-signature': `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`,
    },
    body: raw,
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

/**
 * Bitbucket Cloud's example payload of `key` (`pullrequest:comment_created`...), about pull request `id` of
 * `repo` as the sandbox holds it (its title, branches, source commit abbreviated to 12 characters as
 * Bitbucket's webhooks give it, and author), sent by `actor`; `comment`: the new comment's text.
 */
export function bitbucketPayload(
  s: BitbucketState,
  key: string,
  o: { repo: string; id: number; actor: string; comment?: string },
): Record<string, any> {
  const p = bitbucketExample(key);
  const pr = s.pullRequest(o.repo, o.id);
  if (!pr) throw new Error(`no pull request ${o.repo}#${o.id} in the sandbox`);
  const account = (uuid: string) => ({ ...p.actor, ...userView(s.users.get(uuid)!) });
  const actor = account(s.mustUser(o.actor).uuid);
  p.actor = actor;
  Object.assign(p.repository, { full_name: o.repo, name: o.repo.split('/')[1] });
  const web = `https://bitbucket.org/${o.repo}/pull-requests/${o.id}`;
  Object.assign(p.pullrequest, {
    id: o.id,
    title: pr.title,
    state: pr.state,
    author: account(pr.authorUuid),
    links: { ...p.pullrequest.links, html: { href: web } },
  });
  p.pullrequest.source.branch.name = pr.sourceBranch;
  p.pullrequest.source.commit.hash = pr.sourceCommit.slice(0, 12);
  p.pullrequest.destination.branch.name = pr.destBranch;
  p.pullrequest.destination.commit.hash = pr.destCommit.slice(0, 12);
  if (o.comment !== undefined) {
    if (!p.comment) throw new Error(`${key} carries no comment`);
    Object.assign(p.comment, { id: s.id(), content: { ...p.comment.content, raw: o.comment }, user: actor });
    p.comment.links.html.href = `${web}#comment-${p.comment.id}`;
  }
  return p;
}
