// The context variables of the AOF reference (common, pull request, issue, push) plus comment
// variables, computed from a webhook payload.

export const METADATA_VARIABLES = [
  'event_type',
  'action',
  'repo_id',
  'repo_full_name',
  'repo_owner',
  'repo_name',
  'repo_private',
  'sender_id',
  'sender_login',
  'pr_number',
  'pr_title',
  'pr_state',
  'pr_draft',
  'pr_base_ref',
  'pr_head_ref',
  'pr_head_sha',
  'pr_additions',
  'pr_deletions',
  'pr_changed_files',
  'pr_html_url',
  'pr_merged',
  'pr_author',
  'issue_number',
  'issue_title',
  'issue_state',
  'issue_html_url',
  'ref',
  'before_sha',
  'after_sha',
  'commit_count',
  'comment_id',
  'comment_body',
  'is_pr_comment',
  'installation_id',
];

/**
 * Variables whose values the event's sender writes (titles, branch names, comments). They never enter a
 * system prompt: there they read as a pointer to the untrusted data block, which carries the values.
 */
export const UNTRUSTED_VARIABLES = [
  'pr_title',
  'pr_head_ref',
  'issue_title',
  'comment_body',
  // GitLab's (AOF's names): the title and source branch of a merge request.
  'mr_title',
  'mr_source_branch',
  // Bitbucket's (AOF's names): branches are named by whoever pushed them, display names by their account.
  'actor_display_name',
  'pr_source_branch',
  'pr_dest_branch',
  'branch',
] as const;

export type Metadata = Record<string, string | number | boolean | undefined>;

type Payload = Record<string, any>;

/** What the ingress verified about a delivery (src/ingress/identity.ts): it wins over the payload's copies. */
export interface VerifiedFields {
  owner?: string;
  repo?: string;
  fullName?: string;
  installationId?: number;
  number?: number;
  headSha?: string;
}

/**
 * The event's context variables. With `verified` (every delivery the ingress routes), the repository,
 * installation, number and head commit come from the verified identity, never from the payload.
 */
export function computeMetadata(event: string, payload: Payload, verified?: VerifiedFields): Metadata {
  const m = fromPayload(event, payload);
  if (!verified) return m;
  Object.assign(m, {
    repo_full_name: verified.fullName,
    repo_owner: verified.fullName ? verified.owner : undefined,
    repo_name: verified.repo,
    installation_id: verified.installationId,
  });
  if (m.pr_number !== undefined) m.pr_number = verified.number;
  if (m.issue_number !== undefined) m.issue_number = verified.number;
  if (m.pr_head_sha !== undefined) m.pr_head_sha = verified.headSha;
  if (m.after_sha !== undefined && verified.headSha !== undefined) m.after_sha = verified.headSha;
  return m;
}

function fromPayload(event: string, payload: Payload): Metadata {
  const repo = payload.repository;
  const m: Metadata = {
    event_type: event,
    action: payload.action,
    repo_id: repo?.id,
    repo_full_name: repo?.full_name,
    repo_owner: repo?.owner?.login,
    repo_name: repo?.name,
    repo_private: repo?.private,
    sender_id: payload.sender?.id,
    sender_login: payload.sender?.login,
    installation_id: payload.installation?.id,
  };
  const pr = payload.pull_request;
  if (pr) {
    Object.assign(m, {
      pr_number: pr.number,
      pr_title: pr.title,
      pr_state: pr.state,
      pr_draft: pr.draft,
      pr_base_ref: pr.base?.ref,
      pr_head_ref: pr.head?.ref,
      pr_head_sha: pr.head?.sha,
      pr_additions: pr.additions,
      pr_deletions: pr.deletions,
      pr_changed_files: pr.changed_files,
      pr_html_url: pr.html_url,
      pr_merged: pr.merged ?? false,
      pr_author: pr.user?.login,
    });
  }
  const issue = payload.issue;
  if (issue) {
    Object.assign(m, {
      issue_number: issue.number,
      issue_title: issue.title,
      issue_state: issue.state,
      issue_html_url: issue.html_url,
    });
    // A comment on a PR arrives as issue_comment with issue.pull_request set.
    if (issue.pull_request && m.pr_number === undefined)
      Object.assign(m, {
        pr_number: issue.number,
        pr_title: issue.title,
        pr_state: issue.state,
        pr_html_url: issue.pull_request.html_url,
      });
  }
  // A deployment protection rule's request: the pull request of the deployment's commit, when GitHub names
  // one, and the deployment's commit (which the verified identity gives as the head).
  if (event === 'deployment_protection_rule') {
    const first = payload.pull_requests?.[0];
    if (first)
      Object.assign(m, {
        pr_number: first.number,
        pr_title: first.title,
        pr_state: first.state,
        pr_base_ref: first.base?.ref,
        pr_head_ref: first.head?.ref,
        pr_head_sha: payload.deployment?.sha ?? payload.sha,
        pr_html_url: first.html_url,
        pr_author: first.user?.login,
      });
    Object.assign(m, { ref: payload.deployment?.ref ?? payload.ref });
  }
  if (event === 'push') {
    Object.assign(m, {
      ref: payload.ref,
      before_sha: payload.before,
      after_sha: payload.after,
      commit_count: payload.commits?.length ?? 0,
    });
  }
  const comment = payload.comment;
  if (comment) {
    Object.assign(m, {
      comment_id: comment.id,
      comment_body: comment.body,
      is_pr_comment: Boolean(issue?.pull_request || pr),
    });
  }
  return m;
}

/** The issue or PR number an event is about, if any. */
export function subjectNumber(m: Metadata): number | undefined {
  const n = m.pr_number ?? m.issue_number;
  return typeof n === 'number' ? n : undefined;
}
