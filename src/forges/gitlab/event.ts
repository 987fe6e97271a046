// GitLab's inbound side of the forge port, past verification: a normalised delivery (webhook.ts) as the
// project's own event, with AOF's GitLab context variables plus the names every forge's runs read
// (repo_full_name, pr_number, sender_login...), and the text users wrote, kept apart as data.
import type { ForgeEvent } from '../port.js';
import type { UntrustedContent } from '../../agents/prompt.js';
import type { GitLabEvent } from './webhook.js';
import { clip } from '../../routing/resolve.js';

type Payload = Record<string, any>;

/** GitLab's bot users: project and group access tokens' (`project_12_bot_3f...`), and GitLab's own. */
const BOT_USERNAME = /^(?:(?:project|group)_\d+_bot(?:_[0-9a-f]+)?|ghost|support-bot|alert-bot|gitlab-bot)$/i;

export function gitlabForgeEvent(e: GitLabEvent): ForgeEvent {
  const dot = e.action.indexOf('.');
  const event = dot < 0 ? e.action : e.action.slice(0, dot);
  const action = dot < 0 ? undefined : e.action.slice(dot + 1);
  const v = e.contextVariables;
  const aboutChange = e.number !== undefined && event !== 'push';
  const branch =
    event === 'push'
      ? v.ref?.startsWith('refs/heads/')
        ? v.ref.slice(11)
        : null
      : (v.mr_target_branch ?? (event === 'pipeline' ? v.ref : undefined));
  // Notes are on merge requests only (normalisation refuses the others); each is a new note.
  const comment = e.comment ? { body: e.comment.body, created: true, id: e.comment.id, onChange: true } : undefined;
  const transition =
    e.action === 'merge_request.update' && e.newCommits
      ? ('pushed' as const)
      : e.action === 'merge_request.merge' || e.action === 'merge_request.close'
        ? ('closed' as const)
        : undefined;
  return {
    forge: 'gitlab',
    event,
    action,
    repository: e.repository.fullName,
    number: e.number,
    headSha: e.headSha,
    branch,
    sender: { login: e.sender.login, bot: BOT_USERNAME.test(e.sender.login), id: e.sender.id },
    comment,
    ...(transition ? { transition } : {}),
    ...(e.changeAuthorId !== undefined ? { changeAuthorId: e.changeAuthorId } : {}),
    ...(e.reverts !== undefined ? { reverts: e.reverts } : {}),
    // A note's head is read by the gate when it runs (a `/review` says nothing about the commit).
    review: aboutChange ? { number: e.number!, ...(e.comment ? {} : { headSha: e.headSha }) } : undefined,
    metadata: {
      ...v,
      // The names every forge's runs read (their values are the same as verified here).
      repo_full_name: e.repository.fullName,
      repo_owner: e.repository.owner,
      repo_name: e.repository.name,
      sender_login: e.sender.login,
      ...(aboutChange ? { pr_number: e.number, pr_head_sha: e.headSha, pr_title: v.mr_title } : {}),
      ...(e.comment ? { comment_id: e.comment.id, comment_body: e.comment.body, is_pr_comment: aboutChange } : {}),
    },
  };
}

/** What users wrote (the merge request's title and description, the note), bounded: data for models. */
export function gitlabUntrustedContent(payload: Payload): UntrustedContent {
  const mr = payload.object_kind === 'merge_request' ? payload.object_attributes : payload.merge_request;
  const labels = (payload.labels ?? mr?.labels ?? []).map((l: { title?: string }) => l?.title).filter(Boolean);
  return {
    title: clip(mr?.title, 1000),
    body: clip(mr?.description, 20_000),
    comment: payload.object_kind === 'note' ? clip(payload.object_attributes?.note, 20_000) : undefined,
    ...(labels.length ? { labels } : {}),
  };
}
