// The forge port: what the rest of the project knows of a forge. Each forge (GitHub, GitLab, Bitbucket)
// is one adapter folder under src/forges/ implementing it; workflows and the ingress name no forge API.
//
// Inbound, an adapter verifies a delivery (the secret that verified it is its tenant), names it for
// dedupe, and turns its payload into a ForgeEvent. Outbound, it implements ForgeVerbs, which the
// activities call with a ForgeTarget; the activity types keep the names running workflows already
// use (createCheckRun, upsertMarkedComment...), so recorded histories replay unchanged.
import type { Resources } from '../config/load.js';
import type { Tenant } from '../config/secrets.js';
import type { UntrustedContent } from '../agents/prompt.js';
import type { Headers } from './inbound.js';
import type { ProtectionRule } from './github/protection-rule.js';

import type { FailedDeliveries, FailedDelivery } from './failed-deliveries.js';

/** The forges the AOF reference names. */
export type ForgeName = 'github' | 'gitlab' | 'bitbucket';

/**
 * Where a forge call acts. `owner`/`repo`: GitHub's owner and repository; GitLab's namespace path (groups
 * and subgroups, `a/b`) and project; Bitbucket's workspace and repository. No `forge`: GitHub (every
 * workflow started before the port).
 */
export interface ForgeTarget {
  forge?: ForgeName;
  owner: string;
  repo: string;
  /** GitHub App installation from the event (checked by the worker before use). */
  installationId?: number;
}

/** A pull request (GitHub, Bitbucket) or merge request (GitLab, its iid). */
export interface ChangeTarget extends ForgeTarget {
  number: number;
}

export const forgeOf = (t: { forge?: ForgeName }): ForgeName => t.forge ?? 'github';

/** What the forge calls a change, for the words of a reply: GitLab's merge request, the others' pull request. */
export const changeNoun = (t: { forge?: ForgeName }): string =>
  forgeOf(t) === 'gitlab' ? 'merge request' : 'pull request';

/** How the forge writes a reference to change `n` in text: GitLab's `!n`, the others' `#n`. */
export const changeRef = (t: { forge?: ForgeName }, n: number): string => `${forgeOf(t) === 'gitlab' ? '!' : '#'}${n}`;

/** Just the target of anything that carries one (a scope, a pull request): the one way workflows name it. */
export const forgeTargetOf = (t: ForgeTarget): ForgeTarget => ({
  ...(t.forge && t.forge !== 'github' ? { forge: t.forge } : {}),
  owner: t.owner,
  repo: t.repo,
  installationId: t.installationId,
});

/** The repository's full name as users write it in filters and ids: `owner/repo`, `group/sub/project`. */
export const fullNameOf = (t: ForgeTarget) => `${t.owner}/${t.repo}`;

/** Splits a full name at its last slash: GitLab's namespace may have several levels. */
export function targetOf(forge: ForgeName, fullName: string, installationId?: number): ForgeTarget {
  const at = fullName.lastIndexOf('/');
  return {
    ...(forge === 'github' ? {} : { forge }),
    owner: fullName.slice(0, at),
    repo: fullName.slice(at + 1),
    ...(installationId !== undefined ? { installationId } : {}),
  };
}

export interface ChangedFile {
  filename: string;
  /** added, modified, removed, renamed */
  status: string;
  additions: number;
  deletions: number;
  /** The unified diff of the file, absent when the forge gives none (binary, too large). */
  patch?: string;
  previous_filename?: string;
}

/** A pull or merge request as the gate's repository configuration reads it. */
export interface ChangeInfo {
  baseSha: string;
  baseBranch: string;
  draft: boolean;
  title: string;
  /** The author's login (GitHub), username (GitLab) or nickname (Bitbucket). */
  author: string;
}

/** A configuration file at a commit: its text (null: absent); `tooLarge`: its size, when over what is read. */
export interface ConfigFileAt {
  text: string | null;
  tooLarge?: number;
}

/** A change's facts and its gate configuration files: the repository's at the base, the organization's default. */
export interface RepoConfigFiles {
  info: ChangeInfo;
  base: ConfigFileAt;
  org?: ConfigFileAt;
  requests: number;
}

export interface PostedComment {
  id: number;
  url: string;
}

/** A line finding of a check: GitHub annotations, GitLab discussions at a line, Bitbucket reports. */
export interface LineFinding {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  title?: string;
  message: string;
  /**
   * The finding's identity across heads, where the gate knows it (its function's content hash, its reviewer
   * and its line within the function; not its line in the file): a forge that keeps findings as threads
   * across pushes (GitLab's discussions) posts a finding once however often it is found again. Never sent
   * to GitHub, whose annotations belong to one check run.
   */
  key?: string;
}

/**
 * A finding posted as a review thread (a gate's `report: [review]`): a line finding with its identity across
 * pushes, whether all its lines are changed lines (where every forge takes a line comment), and the code
 * that replaces its lines where the fix is mechanical (a suggestion the author can commit).
 */
export interface ReviewFinding extends LineFinding {
  key: string;
  onDiff: boolean;
  replacement?: string;
}

/** A line comment of a review an agent writes: on `line` (or `start_line`..`line`) of the head, with a suggestion. */
export interface ReviewLineComment {
  path: string;
  line: number;
  start_line?: number;
  body: string;
  /** Code that replaces those lines: a suggestion the author can commit (shown as code where the forge has none). */
  replacement?: string;
}

/** What became of a review's threads on one push: counts only (the threads themselves stay on the forge). */
export interface ReviewThreads {
  /** Findings posted as new threads. */
  new: number;
  /** Findings whose thread was already there (kept as it is, or reopened when the bot had resolved it). */
  remaining: number;
  /** Threads of findings no longer found, resolved by the bot. */
  fixed: number;
  /** Findings a person dismissed (resolved the thread, or replied that it is wrong or won't be fixed). */
  dismissed: number;
  /** Findings on lines that are not changed lines: left to the check and the comment. */
  notOnDiff: number;
  /** The review that carried the new threads, where the forge has one. */
  url?: string;
  requests: number;
}

/**
 * The check id the forge activities return when the check is a commit status instead: always on GitLab and
 * Bitbucket, and on GitHub when the token is not an App's (only Apps may create check runs).
 */
export const STATUS_ONLY = -1;

export type CheckStatus = 'queued' | 'in_progress' | 'completed';
export type CheckConclusion =
  'success' | 'failure' | 'neutral' | 'cancelled' | 'skipped' | 'timed_out' | 'action_required';

export interface CheckOutput {
  title: string;
  summary: string;
  text?: string;
  annotations?: LineFinding[] | Record<string, unknown>[];
}

/** Whether a person may approve, and why: the forge's own permission APIs decide. */
export interface Authorization {
  allowed: boolean;
  via?: string;
  /** The person's role as the forge names it (GitHub: read..admin; GitLab: an access level's name). */
  permission: string;
}

/**
 * Recovering missed deliveries, where the forge keeps a list of them and resends on request (GitHub,
 * GitLab; the redelivery schedule calls these through activities/redelivery). `retry`: an earlier attempt
 * may have resent already; the adapter looks before resending again.
 */
export interface DeliveryVerbs<Hook> {
  listFailedDeliveries(
    hook: Hook,
    opts: { maxAgeHours: number; limit: number; onPage?: (page: number) => void },
  ): Promise<FailedDeliveries>;
  redeliver(hook: Hook, delivery: FailedDelivery, opts: { retry: boolean }): Promise<void>;
}

/**
 * The verbs workflows use, as one adapter implements them. Every write is idempotent across retries and
 * worker deaths (a retry finds what an earlier attempt wrote before writing again).
 */
export interface ForgeVerbs {
  /** Changed files of a pull or merge request, up to `maxPages` pages of 100. */
  changedFiles(
    t: ChangeTarget,
    maxPages: number,
  ): Promise<{ files: ChangedFile[]; truncated: boolean; requests: number }>;
  /**
   * Files at a commit; a file over `maxBytes`, missing, or binary comes back as null (`tooLarge`: the size
   * of those left out for their size, where the forge says it).
   */
  filesAt(
    t: ForgeTarget,
    sha: string,
    paths: string[],
    maxBytes: number,
  ): Promise<{ contents: Map<string, string | null>; requests: number; tooLarge?: Map<string, number> }>;
  /** The head commit and state (open, closed, merged) of a pull or merge request. */
  head(t: ChangeTarget): Promise<{ sha: string; state: string }>;
  /**
   * The repository's open pull or merge requests, at most `limit` (the forge's order, most recently updated
   * first where it sorts), paged within the forge's page limits: a Schedule Trigger's gate asks each one's
   * gate to review it (src/schedules/re-review.ts).
   */
  openChanges(t: ForgeTarget, limit: number): Promise<OpenChanges>;
  /**
   * What the gate's repository configuration reads of a change (its base commit, where the configuration
   * is read from, and what its skip rules compare). Absent, or undefined for this change, where the
   * adapter cannot say (Bitbucket Data Center): the repository's configuration is then not read.
   */
  changeInfo?(t: ChangeTarget): Promise<ChangeInfo | undefined>;
  /**
   * The change's facts and its configuration files (`path` at the base; `orgRepo`'s at its default branch)
   * in fewer requests than `changeInfo` and `filesAt` (GitHub: one GraphQL request). Files over `maxBytes`
   * come back with their size (`tooLarge`).
   */
  configFiles?(t: ChangeTarget, path: string, orgRepo: string | undefined, maxBytes: number): Promise<RepoConfigFiles>;

  postComment(t: ChangeTarget, body: string): Promise<PostedComment>;
  updateComment(t: ForgeTarget, commentId: number, body: string): Promise<PostedComment>;
  /** The bot's one comment carrying `marker`, created or edited in place (only the bot's own count). */
  upsertMarkedComment(
    t: ChangeTarget,
    marker: string,
    body: string,
    known?: number | null,
  ): Promise<PostedComment & { created: boolean }>;

  /**
   * A commit check named `name` (GitHub check run; GitLab and Bitbucket commit status), finished at once when
   * created with a conclusion. `orCommitStatus`: where checks need more than the credentials have (GitHub's
   * check runs need an App), a commit status of the same name stands in.
   */
  createCheck(
    t: ForgeTarget,
    c: {
      name: string;
      headSha: string;
      status: CheckStatus;
      conclusion?: CheckConclusion;
      /** Its title shows where the forge has room for one line (a commit status's description). */
      output?: CheckOutput;
      detailsUrl?: string;
      externalId?: string;
      orCommitStatus?: boolean;
    },
  ): Promise<{ id: number; url: string }>;
  /** A check on this commit by the id createCheck gave, or undefined when there is none. */
  checkById(t: ForgeTarget, headSha: string, checkId: number): Promise<{ name: string; state: string } | undefined>;
  /** Its state, summary and line findings; findings of several updates add up, never repeat. */
  updateCheck(
    t: ForgeTarget,
    c: {
      checkId: number;
      /** The check's name and commit: needed where a check is a commit status (GitLab, Bitbucket). */
      name?: string;
      headSha?: string;
      /** The pull or merge request the check is about, where findings are discussions on it. */
      number?: number;
      status?: CheckStatus;
      conclusion?: CheckConclusion;
      output?: CheckOutput;
      detailsUrl?: string;
      annotationsBefore?: number;
      /** The findings are the review's threads (report: review): a forge whose annotations are threads posts none. */
      threadsByReview?: boolean;
    },
  ): Promise<void>;
  /** Whether a check of this name completed (not cancelled) on this commit. */
  checkDone(t: ForgeTarget, headSha: string, name: string): Promise<boolean>;

  /**
   * A review of a pull or merge request: its text, and with `APPROVE` the bot's approval of `headSha` (the
   * forge's refusal, such as approving one's own change, is a final failure). Once across retries.
   */
  submitReview(
    t: ChangeTarget,
    r: {
      body: string;
      event: 'APPROVE' | 'REQUEST_CHANGES' | 'COMMENT';
      headSha?: string;
      /** Line comments: GitHub's review comments, GitLab's discussions, Bitbucket's inline comments, at their lines. */
      comments?: ReviewLineComment[];
    },
  ): Promise<PostedComment>;

  /**
   * A gate's findings as line threads on the change, across pushes (report: review): new findings posted
   * together (one review where the forge has them), findings already there left alone, findings no longer
   * found resolved, findings a person dismissed not raised again; threads are read from the forge (their
   * hidden markers), never kept by the caller. `analysedPaths`: only threads on these files can be fixed (a
   * file not analysed this time says nothing of its findings). Once across retries. Absent: not supported.
   */
  reviewThreads?(
    t: ChangeTarget,
    r: { headSha: string; body: string; findings: ReviewFinding[]; analysedPaths: string[] },
  ): Promise<ReviewThreads>;

  /** May `login` approve? Listed by name, member of a listed group or team, or at least `minPermission`. */
  mayApprove(t: ForgeTarget, p: { login: string; approvers: string[]; minPermission?: string }): Promise<Authorization>;
  /** The bot's own identity, from its credentials (its numeric id where the forge gives one). */
  botIdentity(t: ForgeTarget): Promise<{ login: string; id?: number }>;

  /**
   * How the analysis reads a change, where the forge does better than `changedFiles` and `filesAt` one by
   * one (GitHub: every head version and the bot's marked comment in few GraphQL requests).
   */
  changeReader?(t: ChangeTarget, headSha: string, commentMarker?: string): ChangeReader;

  /**
   * How the analysis reads the change between two commits of a repository, with no pull request to ask
   * (a GitHub merge group: its base and head). Absent where the forge has no merge queue.
   */
  comparisonReader?(t: ForgeTarget, baseSha: string, headSha: string): ChangeReader;

  /**
   * A comment on a commit, once across retries: where a deployment without a pull request asks for
   * approval. Absent where the forge has none.
   */
  commentOnCommit?(t: ForgeTarget, sha: string, body: string): Promise<PostedComment>;

  /**
   * Answers a deployment waiting on this App's custom protection rule (GitHub Actions), once: a retry
   * whose earlier attempt was taken is told so, never answered twice. Absent where the forge has none.
   */
  answerProtectionRule?(t: ForgeTarget, a: ProtectionAnswer): Promise<ProtectionAnswered>;

  /** Absent where the forge has none (Bitbucket): validation refuses Triggers that need them. */
  labels?: {
    /** Adds labels; the labels it then has. */
    add(t: ChangeTarget, labels: string[]): Promise<string[]>;
    remove(t: ChangeTarget, label: string): Promise<void>;
  };
}

/** A repository's open changes, bounded: what a nightly re-review asks the gates to review. */
export interface OpenChanges {
  /** Number and head commit (Bitbucket Cloud lists it abbreviated); at most the `limit` asked for. */
  changes: { number: number; headSha: string }[];
  /** The forge has more open changes than were listed. */
  more: boolean;
  /** How many are open, where the forge counts them (GitHub: from its last page; Data Center: never). */
  total?: number;
  requests: number;
}

/** A protection rule's answer: the run and environment that wait, the decision and why. */
export interface ProtectionAnswer {
  runId: number;
  environment: string;
  state: 'approved' | 'rejected';
  comment: string;
}

/** Whether GitHub took the answer; when not, why (a rule that no longer waits). */
export interface ProtectionAnswered {
  answered: boolean;
  note?: string;
}

/** How an analysis reads a change on its forge: the files changed, and their versions at the head. */
export interface ChangeReader {
  /** `listedAtMost`: when truncated, the forge's own limit of the list (else `maxPages` pages of 100). */
  changedFiles(
    maxPages: number,
  ): Promise<{ files: ChangedFile[]; truncated: boolean; requests: number; listedAtMost?: number }>;
  filesAt(
    files: { path: string; estimate: number }[],
    maxFileBytes: number,
  ): Promise<{ contents: Map<string, string | null>; requests: number }>;
  /** The bot's comment carrying the marker asked for, found while reading (null: none; undefined: not looked for). */
  comment?: () => number | null | undefined;
  /**
   * The change's facts and its repository configuration file at the base (`path`, up to `maxBytes`), where the
   * forge reads them in fewer requests along the analysis's own reads (GitLab: the configuration in the
   * request that also reads the head versions of the listed files `readsAtHead` picks). Called beside
   * `changedFiles`. Undefined where the forge refused: the configuration is then read through the verbs.
   */
  configFiles?(
    path: string,
    maxBytes: number,
    readsAtHead: (f: ChangedFile) => boolean,
  ): Promise<Omit<RepoConfigFiles, 'org'> | undefined>;
}

/**
 * A delivery as the rest of the project sees it, made by the forge's adapter from a verified payload:
 * what routing filters on and what workflows are started with. Every field comes from the verified
 * identity or the forge's payload as the adapter checked it.
 */
export interface ForgeEvent {
  forge: ForgeName;
  /** The forge's event as command keys name it: `pull_request`, `issue_comment` (GitHub); `merge_request`, `note`, `pipeline`, `push` (GitLab); `pullrequest:created` (Bitbucket). */
  event: string;
  /**
   * The forge's own name of the event where the command key is another (Bitbucket Data Center's `pr:opened`
   * routes as `pullrequest:created`): event lists and command keys may name either.
   */
  alias?: string;
  /** `event.action` command keys: `opened`, `created` (GitHub); `open`, `update`, `failed` (GitLab). */
  action?: string;
  /** `owner/repo` or `group/sub/project`, as verified. */
  repository?: string;
  /** The pull or merge request (or issue) the event is about. */
  number?: number;
  headSha?: string;
  /** The branch filters compare: a push's branch, a change's target branch; null for a push to a tag. */
  branch?: string | null;
  /** `id`: the forge's user id, where the adapter compares people by id (GitLab). */
  sender?: { login: string; bot: boolean; id?: number };
  /**
   * A comment's text; only a newly `created` one runs a command or the default agent. `onChange`: written
   * in the conversation of a pull or merge request, where `/approve` and `/reject` are read; `onCommit`: the
   * commit a commit comment is on, where they are read for a flow on that commit (no pull request).
   */
  comment?: { body: string; created: boolean; id?: number; onChange?: boolean; onCommit?: string };
  /** What happened to the pull or merge request: new commits on it, or it closed (merged or not). */
  transition?: 'pushed' | 'closed';
  /** The pull or merge request a gate reviews (head unknown for a comment such as `/review`). */
  review?: { number: number; headSha?: string };
  /**
   * A GitHub merge queue's group (`merge_group`): its commits to check, with no pull request. `reason` of
   * `destroyed`: merged, invalidated or dequeued.
   */
  mergeGroup?: MergeGroup;
  /**
   * A GitHub Actions deployment waiting for this App's decision (`deployment_protection_rule`), checked by
   * the ingress against the configured GitHub API (src/forges/github/protection-rule.ts).
   */
  protectionRule?: ProtectionRule;
  /**
   * A merged pull or merge request that reverts another of the same repository (the forge's Revert
   * button): that one's number, whose completed flows are undone (src/forges/<forge>/revert.ts).
   */
  reverts?: number;
  /** The author of the pull or merge request, for the self-approval rule. */
  changeAuthor?: string;
  /** The author's user id, where the forge's payloads carry it (GitLab's `author_id`): compared by id. */
  changeAuthorId?: number;
  /** The context variables of instructions and templates (the forge's own names, per AOF). */
  metadata: Record<string, string | number | boolean | undefined>;
}

/** A merge queue's group of changes, checked on its own head commit (GitHub's `merge_group` event). */
export interface MergeGroup {
  action: 'checks_requested' | 'destroyed';
  headSha: string;
  baseSha: string;
  /** `refs/heads/gh-readonly-queue/<base>/pr-<n>-<sha>`: the last queued pull request's number. */
  headRef: string;
  reason?: 'merged' | 'invalidated' | 'dequeued';
}

/** The bot's names the ingress learnt from each forge's credentials (src/forges/<forge>/identity.ts). */
export interface LearntBotNames {
  gitlabBotNames?: () => readonly string[];
  bitbucketBotNames?: () => readonly string[];
}

/**
 * A forge's inbound side as the ingress drives it (src/ingress/forge-webhook.ts), one record in the
 * adapter's folder: POST /webhook/<forge>.
 */
export interface InboundForge<E> {
  forge: Exclude<ForgeName, 'github'>;
  /** As users read it: `GitLab`. */
  title: string;
  /** The header naming the event, as the forge spells it (`X-Gitlab-Event`). */
  eventHeader: string;
  enabled(res: Resources): boolean;
  /** A test delivery the forge sends unsigned: answered, starting nothing, before verification. */
  unsignedPing?(event: string): boolean;
  /** The tenant of the secret that verifies the delivery, or why none does (never a secret). */
  verify(res: Resources, headers: Headers, body: Buffer): { tenant: Tenant } | { refused: string };
  /** What dedupes the delivery (kept by the forge on a resend); a ForgePayloadError when missing. */
  deliveryName(headers: Headers): string;
  /** The forge's event; a ForgePayloadError when invalid (400) or not acted on (202). */
  normalize(event: string, payload: Record<string, any>): E;
  forgeEvent(e: E): ForgeEvent;
  /** What users wrote, kept apart as data for models. */
  untrustedContent(payload: Record<string, any>): UntrustedContent;
  /** The bot's own names: events from them start nothing. */
  bots(res: Resources, learnt: LearntBotNames): string[];
}
