// The approval node of a flow: a plan comment and a check run, then a durable wait for `/approve` or
// `/reject` comments from allowed approvers, bound to the head commit the deploy was requested for.
import { changeNoun, forgeTargetOf } from '../src/forges/port.js';
import { condition, deprecatePatch, setHandler } from '@temporalio/workflow';
import type { ToolScope } from '../src/agents/tools.js';
import { forgeActivities } from './activities.js';
import {
  approvalSignal,
  approvalStateQuery,
  approvalUpdate,
  headChangedSignal,
  prClosedSignal,
  type ApprovalComment,
  type ApprovalState,
} from './definitions.js';

export interface ApprovalConfig {
  environment: string;
  approvers: string[];
  minApprovers: number;
  allowAuthor: boolean;
  minPermission?: string;
  timeoutMs: number;
  reminderMs?: number;
  requestedBy: string;
  prAuthor?: string;
  /** The author's user id, where the forge compares people by id (GitLab): then the login is not read. */
  prAuthorId?: number;
  /** A last line of the request (what waits for the decision, and a timeout cut to the forge's window). */
  note?: string;
  /**
   * Asks on the commit (its comments, where `/approve` is then read), there being no pull request: a
   * deployment of a push. `prAuthor` is then whoever started the deployment.
   */
  onCommit?: boolean;
}

export interface ApprovalRecord {
  login: string;
  at: string;
  sha: string;
  permission: string;
  via: string;
}

export interface ApprovalOutcome {
  decision: 'approved' | 'rejected' | 'expired' | 'invalidated' | 'closed';
  approvals: ApprovalRecord[];
  detail?: string;
  /** The "deploy <env>" check run, concluded by the flow once the deploy ends. */
  checkRunId?: number;
}

export interface InboxState {
  newHead?: string;
  closed: boolean;
  /** The environment whose approval is awaited, while the gate waits. */
  waitingFor?: string;
  /** Who may approve, since when, and who has (for approvalStateQuery), while the gate waits. */
  waiting?: Omit<ApprovalState, 'waitingFor'>;
  /** Comments already taken in, logins already refused or counted for the current request. */
  seen: Set<number>;
  refused: Set<string>;
  counted: Set<string>;
  /** Logins with a comment taken in and not yet decided on. */
  pending: Set<string>;
}

/** Why a comment cannot change anything now, or undefined when it may. */
function turnedAway(state: InboxState, c: ApprovalComment): string | undefined {
  const login = c.login.toLowerCase();
  if (state.waitingFor === undefined) return 'nothing is waiting for approval';
  if (state.seen.has(c.commentId)) return 'this comment was already counted';
  if (state.pending.has(login)) return `a comment of @${c.login} is already being considered`;
  if (state.refused.has(login)) return `@${c.login} was already told they cannot approve this request`;
  if (state.counted.has(login) && c.decision === 'approve') return `@${c.login} already approved this request`;
  return undefined;
}

/** Whether the comment is the change's author's: by user id where the forge gives ids, else by login. */
function isAuthor(cfg: ApprovalConfig, c: ApprovalComment): boolean {
  // A comment without the sender's id cannot show it is someone else's.
  if (cfg.prAuthorId !== undefined) return c.senderId === undefined || c.senderId === cfg.prAuthorId;
  return cfg.prAuthor !== undefined && c.login.toLowerCase() === cfg.prAuthor.toLowerCase();
}

/** Registers the handlers at once, so no comment is lost before the gate starts waiting. */
export function approvalInbox() {
  const inbox: ApprovalComment[] = [];
  const state: InboxState = {
    closed: false,
    seen: new Set(),
    refused: new Set(),
    counted: new Set(),
    pending: new Set(),
  };
  const take = (c: ApprovalComment) => {
    state.seen.add(c.commentId);
    state.pending.add(c.login.toLowerCase());
    inbox.push(c);
  };
  // Signals from runs started before the update existed, or when an update could not reach a worker.
  setHandler(approvalSignal, (c) => void inbox.push(c));
  setHandler(
    approvalUpdate,
    (c) => {
      take(c);
      return { environment: state.waitingFor ?? '' };
    },
    {
      validator: (c) => {
        const why = turnedAway(state, c);
        if (why) throw new Error(why);
      },
    },
  );
  setHandler(approvalStateQuery, () =>
    state.waitingFor === undefined ? {} : { waitingFor: state.waitingFor, ...state.waiting },
  );
  setHandler(headChangedSignal, ({ sha }) => void (state.newHead = sha));
  setHandler(prClosedSignal, () => void (state.closed = true));
  return { inbox, state };
}

export async function approvalGate(
  scope: ToolScope,
  cfg: ApprovalConfig,
  githubTaskQueue: string,
  box: ReturnType<typeof approvalInbox>,
): Promise<ApprovalOutcome> {
  const forge = forgeActivities(githubTaskQueue);
  const sha = scope.headSha!;
  const target = forgeTargetOf(scope);
  // A check is named by its commit and name where the forge's checks are commit statuses (GitLab).
  const deployCheck = { ...target, headSha: sha, name: `deploy ${cfg.environment}` };
  const say = (body: string) =>
    cfg.onCommit
      ? forge.postCommitComment({ ...target, sha, body })
      : forge.postComment({ ...target, issueNumber: scope.number!, body });
  const who = cfg.approvers.length
    ? cfg.approvers.map((a) => (a.includes('/') ? `@${a}` : `@${a}`)).join(', ')
    : `anyone with ${cfg.minPermission} permission`;
  // Comments that arrive while the plan is being posted wait in the inbox for the loop below.
  box.state.waitingFor = cfg.environment;
  // Read by the query only: setting it issues no command, so runs recorded before it replay unchanged.
  box.state.waiting = {
    approvers: cfg.approvers.slice(0, 50),
    ...(cfg.minPermission ? { minPermission: cfg.minPermission } : {}),
    minApprovers: cfg.minApprovers,
    approvedBy: [],
    requestedBy: cfg.requestedBy,
    headSha: sha,
    since: new Date(Date.now()).toISOString(),
  };
  try {
    return await gate();
  } finally {
    box.state.waitingFor = undefined;
    box.state.waiting = undefined;
  }

  async function gate(): Promise<ApprovalOutcome> {
    await say(
      `### Deploy to \`${cfg.environment}\` requested by @${cfg.requestedBy}\n\nCommit \`${sha.slice(0, 7)}\`. Waiting for ${cfg.minApprovers} approval(s) from ${who}` +
        `${cfg.minPermission && cfg.approvers.length ? ` or anyone with ${cfg.minPermission} permission` : ''}.\nComment \`/approve\` or \`/reject <reason>\`. The request expires in ${Math.round(cfg.timeoutMs / 3600_000)} h.` +
        (cfg.note ? `\n\n${cfg.note}` : ''),
    );
    const check = await forge.createCheckRun({ ...deployCheck, status: 'in_progress' });
    const conclude = (conclusion: 'success' | 'failure' | 'cancelled' | 'timed_out', title: string) =>
      forge.updateCheckRun({ ...deployCheck, checkRunId: check.id, conclusion, output: { title, summary: title } });
    await forge.updateCheckRun({
      ...deployCheck,
      checkRunId: check.id,
      output: {
        title: `deploy ${cfg.environment}: awaiting approval`,
        summary: `Waiting for ${cfg.minApprovers} approval(s) of ${sha.slice(0, 7)}.`,
      },
    });

    const approvals: ApprovalRecord[] = [];
    const seenComments = new Set<number>();
    const deadline = Date.now() + cfg.timeoutMs;
    let nextReminder = cfg.reminderMs ? Date.now() + cfg.reminderMs : Infinity;
    // Each login is answered once per request: later comments of someone refused change nothing and cost
    // no GitHub call, so a flood of comments cannot exhaust the history or the rate limit.
    deprecatePatch('approval-refusals-answered-once');
    const refuse = async (c: ApprovalComment, reply: string) => {
      box.state.refused.add(c.login.toLowerCase());
      await say(reply);
    };
    for (;;) {
      const wait = Math.min(deadline, nextReminder) - Date.now();
      const woke = await condition(
        () => box.inbox.length > 0 || box.state.newHead !== undefined || box.state.closed,
        Math.max(1, wait),
      );
      if (box.state.closed) {
        await conclude('cancelled', `deploy ${cfg.environment}: ${changeNoun(scope)} closed`);
        return { decision: 'closed', approvals };
      }
      if (box.state.newHead !== undefined && box.state.newHead !== sha) {
        await say(
          `New push \`${box.state.newHead.slice(0, 7)}\`: the deploy request for \`${sha.slice(0, 7)}\` and its ${approvals.length} approval(s) no longer count. Request the deploy again for the new commit.`,
        );
        await conclude('cancelled', `deploy ${cfg.environment}: superseded by a push`);
        return { decision: 'invalidated', approvals: [], detail: box.state.newHead };
      }
      box.state.newHead = undefined;
      if (!woke) {
        if (Date.now() >= deadline) {
          await say(
            `The deploy request for \`${cfg.environment}\` expired after ${Math.round(cfg.timeoutMs / 3600_000)} h without enough approvals.`,
          );
          await conclude('timed_out', `deploy ${cfg.environment}: approval expired`);
          return { decision: 'expired', approvals };
        }
        await say(
          `Reminder: the deploy of \`${sha.slice(0, 7)}\` to \`${cfg.environment}\` is waiting for ${cfg.minApprovers - approvals.length} more approval(s).`,
        );
        nextReminder += cfg.reminderMs!;
        continue;
      }
      while (box.inbox.length) {
        const c = box.inbox.shift()!;
        box.state.pending.delete(c.login.toLowerCase());
        if (seenComments.has(c.commentId)) continue; // a redelivered comment counts once
        seenComments.add(c.commentId);
        if (box.state.refused.has(c.login.toLowerCase())) continue;
        if (isAuthor(cfg, c) && !cfg.allowAuthor) {
          await refuse(
            c,
            cfg.onCommit
              ? `@${c.login} you started this deployment, so you cannot approve or reject it. Nothing changed.`
              : `@${c.login} you opened this ${changeNoun(scope)}, so you cannot approve or reject its deploy. Nothing changed.`,
          );
          continue;
        }
        const auth = await forge.authorizeApprover({
          ...target,
          login: c.login,
          approvers: cfg.approvers,
          minPermission: cfg.minPermission,
        });
        if (!auth.allowed) {
          await refuse(
            c,
            `@${c.login} is not an approver for \`${cfg.environment}\` (allowed: ${who}). Nothing changed.`,
          );
          continue;
        }
        if (c.decision === 'reject') {
          await say(`Deploy to \`${cfg.environment}\` rejected by @${c.login}${c.reason ? `: ${c.reason}` : ''}.`);
          await conclude('failure', `deploy ${cfg.environment}: rejected by ${c.login}`);
          return { decision: 'rejected', approvals, detail: c.reason };
        }
        if (approvals.some((a) => a.login.toLowerCase() === c.login.toLowerCase())) continue; // distinct approvers
        approvals.push({
          login: c.login,
          at: new Date(Date.now()).toISOString(),
          sha,
          permission: auth.permission,
          via: auth.via!,
        });
        box.state.counted.add(c.login.toLowerCase());
        box.state.waiting?.approvedBy?.push(c.login);
        if (approvals.length >= cfg.minApprovers) {
          await forge.updateCheckRun({
            ...deployCheck,
            checkRunId: check.id,
            output: {
              title: `deploy ${cfg.environment}: approved`,
              summary: approvals.map((a) => `${a.login} (${a.via})`).join(', '),
            },
          });
          return { decision: 'approved', approvals, checkRunId: check.id };
        }
        await say(`Approval ${approvals.length} of ${cfg.minApprovers} by @${c.login} recorded.`);
      }
    }
  }
}
