// Bitbucket's inbound side of the forge port, past verification: a normalised delivery (webhook.ts) as the
// project's own event, with AOF's Bitbucket context variables plus the names every forge's runs read
// (repo_full_name, pr_number, sender_login...), and the text users wrote, kept apart as data.
import type { ForgeEvent } from '../port.js';
import { commonEventFields } from '../inbound.js';
import type { UntrustedContent } from '../../agents/prompt.js';
import type { BitbucketEvent } from './webhook.js';
import { clip } from '../../routing/resolve.js';

type Payload = Record<string, any>;

export function bitbucketForgeEvent(e: BitbucketEvent): ForgeEvent {
  // A Cloud `pullrequest:updated` carries its source commit whether it brought commits or not: the gate
  // reviews a head once, so an edit does not review again.
  const common = commonEventFields({ ...e, title: e.contextVariables.pr_title });
  return {
    forge: 'bitbucket',
    // Bitbucket's event keys hold the action (`pullrequest:created`): the key is the whole command key.
    event: e.key,
    ...(e.eventKey !== e.key ? { alias: e.eventKey } : {}),
    repository: e.repository.fullName,
    number: e.number,
    headSha: e.headSha,
    branch: e.branch,
    sender: e.sender,
    comment: e.comment ? { body: e.comment.body, created: true } : undefined,
    review: common.review,
    changeAuthor: e.author,
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
