// Budgets against cost amplifiers: anyone who can comment can start agent runs (`/review`, a fleet, the
// default assistant) and have commands answered. Each agent or fleet run is counted against its repository
// owner's budget window, and the sender's share of it (spec.budgets), in a workflow per owner and window
// that every ingress process shares (workflows/run-budget.ts); a run over budget starts nothing and is
// answered once per pull request (or issue) and window. Replies to commands that change nothing (`/approve`
// with nothing waiting) are posted once per pull request, window and text: the reply workflow's id says
// so, and Temporal refuses a second start of it.
import { createHash } from 'node:crypto';
import {
  WithStartWorkflowOperation,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import type { Resources } from '../config/load.js';
import type { DaemonConfig } from '../config/schema.js';
import type { RoutedEventInput } from '../../workflows/types.js';
import { spendUpdate, type BudgetSpend } from '../../workflows/definitions.js';
import type { runBudgetWorkflow } from '../../workflows/run-budget.js';
import { retryWhileBusy } from '../../activities/quota/retry-busy.js';
import type { Dispatched, Dispatcher } from './dispatch.js';
import { DISPATCH_TIMEOUT_MS, TemporalUnavailableError, type WithDeadline } from './temporal-unavailable.js';

export type Budgets = DaemonConfig['spec']['budgets'];

/** How long a window's workflow stays open after the window, for ingress clocks that run behind. */
const SLACK_MS = 5 * 60_000;

/** The window `now` falls in: windows start at multiples of `minutes` since the Unix epoch. */
export function budgetWindow(now: number, minutes: number): { start: number; end: number; label: string } {
  const ms = minutes * 60_000;
  const start = Math.floor(now / ms) * ms;
  return { start, end: start + ms, label: new Date(start).toISOString().slice(0, 16) + 'Z' };
}

/** One owner's window: `budget/<task queue>/<owner>/<window start>`. */
export const budgetWorkflowId = (taskQueue: string, account: string, window: string) =>
  `budget/${taskQueue}/${account}/${window}`;

/** Agent and fleet runs count; gates have their quota, flows their approvals. */
export const counts = (input: RoutedEventInput) => input.target.kind === 'agent' || input.target.kind === 'fleet';

export type BudgetAnswer = { allowed: true } | { allowed: false; over: 'sender' | 'account' };

export interface BudgetRequest extends BudgetSpend {
  account: string;
  window: string;
  closesAt: number;
}

/**
 * Counts one run in its owner's window (started on first use); a refusal comes back as an answer. Bounded
 * by `ms`, so a delivery whose count no worker answers still has time to start its workflow within
 * GitHub's 10 s.
 */
export async function spendBudget(
  withDeadline: WithDeadline,
  taskQueue: string,
  r: BudgetRequest,
  ms = 2000,
): Promise<BudgetAnswer> {
  const { account, window, closesAt, ...spend } = r;
  try {
    await withDeadline(
      (c) =>
        retryWhileBusy(
          () =>
            c.workflow.executeUpdateWithStart(spendUpdate, {
              args: [spend],
              updateId: spend.key,
              startWorkflowOperation: new WithStartWorkflowOperation<typeof runBudgetWorkflow>('runBudgetWorkflow', {
                workflowId: budgetWorkflowId(taskQueue, account, window),
                taskQueue,
                args: [{ account, window, closesAt }],
                workflowIdConflictPolicy: 'USE_EXISTING',
              }),
            }),
          ms,
        ),
      ms,
    );
    return { allowed: true };
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && !(err instanceof WorkflowUpdateRPCTimeoutOrCancelledError)) {
      const over = /over budget: (sender|account)/.exec(err.cause?.message ?? err.message)?.[1];
      if (over) return { allowed: false, over: over as 'sender' | 'account' };
    }
    throw err;
  }
}

const hash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/**
 * The dispatcher with budgets: agent and fleet runs are counted first, and the ingress's replies to
 * commands that change nothing are posted once per pull request, window and text. A dispatcher without
 * `spendBudget` (one pointed elsewhere in tests) is returned as it is.
 */
export function budgeted(dispatch: Dispatcher, resources: () => Resources): Dispatcher {
  const { spendBudget: spend, reply } = dispatch;
  if (!spend) return dispatch;
  const settings = () => {
    const spec = resources().daemon.spec;
    return {
      budgets: spec.budgets,
      taskQueue: spec.temporal.task_queue,
      githubTaskQueue: spec.temporal.github_task_queue,
    };
  };
  const wrapped: Dispatcher = async (input, timeoutMs = DISPATCH_TIMEOUT_MS) => {
    if (!counts(input)) return dispatch(input, timeoutMs);
    const began = Date.now();
    const { budgets, taskQueue, githubTaskQueue } = settings();
    const m = input.metadata;
    const owner = String(m.repo_owner ?? '');
    const account = owner.toLowerCase() || '-';
    const sender = String(m.sender_login ?? '-').toLowerCase();
    const window = budgetWindow(Date.now(), budgets.window_minutes);
    // The count needs a worker to answer. Without an answer in time (no worker running, or Temporal down)
    // the delivery goes on as before budgets: it starts its workflow, or is answered 503 to redeliver.
    const answer = await spend({
      account,
      window: window.label,
      closesAt: window.end + SLACK_MS,
      key: input.deliveryId,
      sender,
      perAccount: budgets.per_account,
      perSender: budgets.per_sender,
    }).catch((err: unknown) => {
      if (err instanceof TemporalUnavailableError) return { allowed: true as const };
      throw err;
    });
    // The start gets what is left of the delivery's time: a stalled Temporal is answered 503 in time.
    if (answer.allowed) return dispatch(input, Math.max(250, timeoutMs - (Date.now() - began)));
    const number = m.pr_number ?? m.issue_number;
    if (reply && typeof number === 'number' && owner && m.repo_name) {
      const whose =
        answer.over === 'sender'
          ? `@${String(m.sender_login)}'s budget of ${budgets.per_sender} agent runs`
          : `the budget of ${budgets.per_account} agent runs for ${owner}'s repositories`;
      await reply(
        {
          owner,
          repo: String(m.repo_name),
          installationId: typeof m.installation_id === 'number' ? m.installation_id : undefined,
          issueNumber: number,
          body: `Budget used up: ${whose} per ${budgets.window_minutes} minutes is spent, so \`${input.key}\` was not started. The next window starts at ${new Date(window.end).toISOString()}. Further requests until then are not answered.`,
          githubTaskQueue,
        },
        `${taskQueue}/budget/${m.repo_full_name}#${number}/${window.label}`,
      );
    }
    const over: Dispatched = {
      status: 'over budget',
      workflowId: budgetWorkflowId(taskQueue, account, window.label),
    };
    return over;
  };
  return Object.assign(wrapped, dispatch, {
    reply: reply
      ? (input: Parameters<NonNullable<Dispatcher['reply']>>[0]) => {
          const { budgets, taskQueue } = settings();
          const window = budgetWindow(Date.now(), budgets.window_minutes).label;
          const key = `${taskQueue}/${input.owner}/${input.repo}#${input.issueNumber}/${window}/${hash(input.body)}`;
          return reply(input, key);
        }
      : undefined,
  });
}
