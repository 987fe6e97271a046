// GitHub's inbound side of the forge port: a verified delivery (event name, payload and what the ingress
// verified) as the project's own event.
import type { ForgeEvent, MergeGroup } from '../port.js';
import { computeMetadata, type VerifiedFields } from '../../routing/metadata.js';
import { isBotSender } from '../../routing/bots.js';
import { reviewTarget } from '../../routing/review-target.js';
import { commandLineOf } from '../../routing/route.js';
import { revertedNumber } from './revert.js';

type Payload = Record<string, any>;

export const COMMENT_EVENTS = new Set([
  'issue_comment',
  'pull_request_review_comment',
  'commit_comment',
  'discussion_comment',
]);

/** The slash command line of a comment event, if any: the first line when it starts with `/`. */
/** The branch an event is about: the pushed branch, or the base branch of a pull request. */
export function eventBranch(event: string, payload: Payload): string | undefined {
  if (event === 'push')
    return typeof payload.ref === 'string' && payload.ref.startsWith('refs/heads/') ? payload.ref.slice(11) : undefined;
  if (payload.pull_request?.base?.ref) return payload.pull_request.base.ref;
  if (event === 'merge_group' && typeof payload.merge_group?.base_ref === 'string')
    return payload.merge_group.base_ref.replace(/^refs\/heads\//, '');
  if ((event === 'create' || event === 'delete') && payload.ref_type === 'branch') return payload.ref;
  if (event === 'deployment_protection_rule' && typeof (payload.deployment?.ref ?? payload.ref) === 'string')
    return String(payload.deployment?.ref ?? payload.ref).replace(/^refs\/heads\//, '');
  return (
    payload.check_run?.check_suite?.head_branch ??
    payload.check_suite?.head_branch ??
    payload.workflow_run?.head_branch ??
    undefined
  );
}

/** The slash command line of a comment event, if any: the first line when it starts with `/`. */
export function commandLine(event: string, payload: Payload): string | undefined {
  return COMMENT_EVENTS.has(event) ? commandLineOf(String(payload.comment?.body ?? '')) : undefined;
}

const SHA = /^[0-9a-f]{40}$/;
const DESTROYED = ['merged', 'invalidated', 'dequeued'] as const;

/** A `merge_group` delivery's group, when its commits are well-formed SHAs (else the event is about none). */
export function mergeGroupOf(event: string, payload: Payload): MergeGroup | undefined {
  const g = payload.merge_group;
  const action = payload.action;
  if (event !== 'merge_group' || (action !== 'checks_requested' && action !== 'destroyed')) return undefined;
  if (!SHA.test(String(g?.head_sha)) || !SHA.test(String(g?.base_sha))) return undefined;
  const reason = DESTROYED.find((r) => r === payload.reason);
  return {
    action,
    headSha: g.head_sha,
    baseSha: g.base_sha,
    headRef: typeof g.head_ref === 'string' ? g.head_ref.slice(0, 300) : '',
    ...(reason ? { reason } : {}),
  };
}

/** A GitHub delivery as the project's event; with `verified`, identity fields come from it, never the payload. */
export function githubEvent(event: string, payload: Payload, verified?: VerifiedFields): ForgeEvent {
  const metadata = computeMetadata(event, payload, verified);
  const branch = eventBranch(event, payload);
  const review = reviewTarget(payload);
  const sender = metadata.sender_login;
  const reverts = revertedNumber(event, payload, metadata.repo_full_name as string | undefined);
  return {
    forge: 'github',
    event,
    action: typeof payload.action === 'string' ? payload.action : undefined,
    repository: typeof metadata.repo_full_name === 'string' ? metadata.repo_full_name : undefined,
    number: verified?.number ?? review?.number ?? payload.issue?.number,
    headSha: verified?.headSha ?? review?.headSha,
    // A push to a tag (or another ref) has no branch, and branch filters refuse it.
    branch: branch === undefined && event === 'push' ? null : branch,
    sender: typeof sender === 'string' ? { login: sender, bot: isBotSender(payload.sender) } : undefined,
    comment: COMMENT_EVENTS.has(event)
      ? {
          body: String(payload.comment?.body ?? ''),
          created: payload.action === 'created',
          ...(typeof payload.comment?.id === 'number' ? { id: payload.comment.id } : {}),
          // A review comment sits on a line: only the conversation's comments approve.
          onChange: event === 'issue_comment' && Boolean(payload.issue?.pull_request),
          ...(event === 'commit_comment' && SHA.test(String(payload.comment?.commit_id))
            ? { onCommit: String(payload.comment.commit_id) }
            : {}),
        }
      : undefined,
    transition:
      event !== 'pull_request'
        ? undefined
        : payload.action === 'synchronize'
          ? 'pushed'
          : payload.action === 'closed'
            ? 'closed'
            : undefined,
    // The pull request and head as verified (the same fields, checked by the identity step).
    review:
      review && verified?.number !== undefined
        ? { number: verified.number, ...(verified.headSha ? { headSha: verified.headSha } : {}) }
        : review,
    mergeGroup: mergeGroupOf(event, payload),
    ...(reverts !== undefined ? { reverts } : {}),
    changeAuthor:
      payload.pull_request?.user?.login ??
      (payload.issue?.pull_request ? payload.issue.user?.login : undefined) ??
      // A deployment's: its pull request's author, or (a push's deployment) whoever started it.
      (event === 'deployment_protection_rule'
        ? verified?.number !== undefined
          ? payload.pull_requests?.[0]?.user?.login
          : payload.sender?.login
        : undefined),
    metadata,
  };
}
