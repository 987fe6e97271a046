// Bitbucket's inbound side of the forge port, past verification: a normalised delivery (webhook.ts) as the
// project's own event, with AOF's Bitbucket context variables plus the names every forge's runs read
// (repo_full_name, pr_number, sender_login...), and the text users wrote, kept apart as data.
import type { ForgeEvent } from '../port.js';
import { commonEventFields } from '../inbound.js';
import type { UntrustedContent } from '../../agents/prompt.js';
import type { BitbucketEvent } from './webhook.js';
import { clip } from '../../routing/resolve.js';

type Payload = Record<string, any>;

/**
 * The number people are compared by (the self-approval rule): Data Center's user id, or the first 52 bits
 * of Cloud's account uuid, which Bitbucket assigns (a nickname is chosen by its owner, and not unique).
 */
export function accountNumber(uuid: string): number {
  if (/^\d+$/.test(uuid)) return Number(uuid);
  return parseInt(uuid.replace(/[^0-9a-f]/gi, '').slice(0, 13) || '0', 16);
}

/** What happened to the pull request: a `pullrequest:updated` may bring commits (Cloud does not say; the
 * flows compare its source commit with the one they were asked for), a merge or decline closes it. */
function transitionOf(e: BitbucketEvent): ForgeEvent['transition'] {
  if (e.key === 'pullrequest:updated' && e.newCommits !== false) return 'pushed';
  if (e.key === 'pullrequest:fulfilled' || e.key === 'pullrequest:rejected') return 'closed';
  return undefined;
}

export function bitbucketForgeEvent(e: BitbucketEvent): ForgeEvent {
  // A Cloud `pullrequest:updated` carries its source commit whether it brought commits or not: the gate
  // reviews a head once, so an edit does not review again.
  const common = commonEventFields({ ...e, title: e.contextVariables.pr_title });
  const transition = transitionOf(e);
  return {
    forge: 'bitbucket',
    // Bitbucket's event keys hold the action (`pullrequest:created`): the key is the whole command key.
    event: e.key,
    ...(e.eventKey !== e.key ? { alias: e.eventKey } : {}),
    repository: e.repository.fullName,
    number: e.number,
    headSha: e.headSha,
    branch: e.branch,
    sender: { login: e.sender.login, bot: e.sender.bot, id: accountNumber(e.sender.uuid) },
    // Comments are on pull requests only (normalisation reads no other), each a new one.
    comment: e.comment ? { body: e.comment.body, created: true, id: e.comment.id, onChange: true } : undefined,
    ...(transition ? { transition } : {}),
    review: common.review,
    changeAuthor: e.author,
    ...(e.authorUuid ? { changeAuthorId: accountNumber(e.authorUuid) } : {}),
    metadata: { ...e.contextVariables, ...common.metadata },
  };
}

/** What users wrote (the pull request's title and description, the comment), bounded: data for models. */
export function bitbucketUntrustedContent(payload: Payload): UntrustedContent {
  const pr = payload.pullrequest ?? payload.pullRequest;
  const comment = payload.comment?.content?.raw ?? payload.comment?.text;
  return {
    title: clip(pr?.title, 1000),
    body: clip(pr?.description, 20_000),
    comment: clip(comment, 20_000),
  };
}
