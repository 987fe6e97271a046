// What the GitHub sandbox keeps of what it was sent: comments, commit statuses, check runs, the requests
// themselves, and the shape of a snapshot of all that (for `aofctl dev` to keep across restarts).
import type { GitHubSandbox } from './server.js';
import type { SandboxRuleAnswer } from './actions.js';

export interface SandboxComment {
  id: number;
  owner: string;
  repo: string;
  issueNumber: number;
  body: string;
  user: string;
  created_at: string;
  updated_at: string;
}

/** A comment on a commit (where a deployment without a pull request asks for approval). */
export interface SandboxCommitComment {
  id: number;
  owner: string;
  repo: string;
  commitId: string;
  body: string;
  user: string;
  created_at: string;
}

export interface SandboxStatus {
  id: number;
  owner: string;
  repo: string;
  sha: string;
  state: 'error' | 'failure' | 'pending' | 'success';
  context: string;
  description?: string;
  target_url?: string;
  user: string;
  created_at: string;
}

export interface SandboxCheckRun {
  id: number;
  owner: string;
  repo: string;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  details_url?: string;
  external_id?: string;
  output: { title?: string; summary?: string; text?: string; annotations: Record<string, unknown>[] };
  /** Every status the run went through, in order. */
  history: string[];
}

/** A review thread: a review's line comment and the replies to it, resolved or not (GraphQL's PullRequestReviewThread). */
export interface SandboxReviewThread {
  /** GraphQL node id. */
  id: string;
  owner: string;
  repo: string;
  pullNumber: number;
  path: string;
  /** The last line commented on, on the diff's RIGHT side; `start_line` its first when several. */
  line: number;
  start_line?: number;
  resolved: boolean;
  /** Who resolved it: a person's login; an App (a bot, not a User in GraphQL) is null, as on GitHub. */
  resolvedBy: string | null;
  comments: { id: number; body: string; user: string; reviewId?: number }[];
}

export interface SandboxRequest {
  method: string;
  path: string;
  status: number;
  at: number;
  /** The query string, without its `?` ('' when none). */
  query: string;
  body?: unknown;
}

export interface SandboxSnapshot {
  nextId: number;
  comments: SandboxComment[];
  checkRuns: SandboxCheckRun[];
  statuses?: SandboxStatus[];
  reviews: GitHubSandbox['reviews'];
  reviewThreads?: SandboxReviewThread[];
  deploys: GitHubSandbox['deploys'];
  labels: [string, string[]][];
  pulls: [string, { pull: Record<string, unknown>; files: Record<string, unknown>[]; diff: string }][];
  issues?: [string, boolean][];
  contents: [string, string][];
  commitComments?: SandboxCommitComment[];
  /** Actions runs still waiting on protection rules, and the answers given. */
  pendingRules?: [string, string[]][];
  ruleAnswers?: SandboxRuleAnswer[];
}
