// Signals and updates, defined once and shared by the workflows that handle them and the code that
// sends them (ingress, activities).
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { GateVerdict } from '../src/gate/verdict.js';
import type { PrGateInput } from './pr-gate.js';
import type { ReviewerResult } from '../src/gate/types.js';
import type { GateCommandName } from '../src/gate/pause.js';

export interface QuotaGrant {
  allowed: boolean;
  used: number;
  limit: number;
}

/** Count one analysis against the month's quota, once per key (runs before ledgers; old workers). */
export const reserveUpdate = defineUpdate<QuotaGrant, [key: string, limit: number]>('reserve');

/**
 * The count's answer to a key: a grant, or "an earlier run of this month may have counted it: ask its
 * ledger" (`lookUp`, the number of this run, which the caller sends back as `lookedUpIn` if the ledger
 * does not know the key).
 */
export type CountAnswer = QuotaGrant | { lookUp: number };

/** Count one analysis against the month's quota, once per key. */
export const countUpdate = defineUpdate<CountAnswer, [key: string, limit: number, lookedUpIn: number | null]>('count');

/** One key to count: its key, the limit, and the run whose ledger was asked (null at first). */
export type CountItem = [key: string, limit: number, lookedUpIn: number | null];

/**
 * Count several keys in one update, answering each as `count` would: a worker process sends the keys of
 * concurrent reservations together, so a burst is a few updates and not one per pull request.
 */
export const countBatchUpdate = defineUpdate<CountAnswer[], [items: CountItem[]]>('countBatch');

/** Keys the month's count counted in one of its runs, with the count each got, for their ledger. */
export const recordedSignal = defineSignal<[counted: Record<string, number>]>('recorded');

/** The count a key got, if its ledger has it. */
export const countedQuery = defineQuery<number | null, [key: string]>('counted');

export interface ReviewRequest {
  deliveryId: string;
  /** Unknown for a `/review` comment: the gate looks the PR's head up. */
  headSha?: string;
  reason: string;
}

/** Ask the PR's gate to review a head commit (a push, a re-run, a `/review`). */
export const reviewSignal = defineSignal<[ReviewRequest]>('review');

/** `/pause` or `/resume` on a pull request, for its gate: who asked (the forge's permission API decides). */
export interface GateCommand {
  deliveryId: string;
  command: GateCommandName;
  /** The commenter's login, as the forge verified the delivery. */
  login: string;
}

/** Pause or resume a PR's gate (sent by the ingress for `/pause` and `/resume`). */
export const gateCommandSignal = defineSignal<[GateCommand]>('gateCommand');

/** What a PR's gate knows (aofctl mcp): its pull request, the head it reviews now, its last verdict. */
export interface GateState {
  /** What starts this gate again (its input without what it carries between runs). */
  start: Omit<
    PrGateInput,
    'cache' | 'seen' | 'pending' | 'verdict' | 'reviews' | 'promptCachedAt' | 'paused' | 'commands'
  >;
  /** The head under review now, if a review runs. */
  reviewing?: string;
  /** Whether a review request waits its turn. */
  pending: boolean;
  /** Set while the gate is paused (`/pause`): who paused it. */
  paused?: { by: string };
  reviews: number;
  /** The last completed review's verdict (absent before one, or in a gate started before verdicts existed). */
  verdict?: GateVerdict;
}

/** The gate's state, read without a trace in its history. */
export const gateStateQuery = defineQuery<GateState>('gateState');

/** Which earlier results a merge group's review asks a PR's gate for: `reviewer:hash` keys, of the same gate. */
export interface PriorResultsAsk {
  keys: string[];
  /** The gate's title and model: results of another gate (or model) are not this one's verdicts. */
  title: string;
  model: string;
}

/** A PR gate's results for functions whose code (content hash) it reviewed, read without a trace in its history. */
export const priorResultsQuery = defineQuery<Record<string, ReviewerResult>, [PriorResultsAsk]>('priorResults');

/** A merge queue removed the group (merged, invalidated, dequeued): its review stops. */
export const mergeGroupDestroyedSignal = defineSignal<[{ deliveryId: string; reason?: string }]>('mergeGroupDestroyed');

export interface ApprovalComment {
  deliveryId: string;
  commentId: number;
  login: string;
  /** The commenter's user id, where the forge compares people by id (GitLab). */
  senderId?: number;
  decision: 'approve' | 'reject';
  reason?: string;
}

/** `/approve` or `/reject [reason]` on the pull request of a waiting flow (runs recorded before the update). */
export const approvalSignal = defineSignal<[ApprovalComment]>('approval');

/**
 * The same as an update: its validator turns away, without a trace in history, what cannot change
 * anything (nothing waiting, a comment already counted, someone already refused or already counted), so
 * a flood of comments cannot grow the history, and the sender of a late `/approve` learns that nothing
 * waits.
 */
export const approvalUpdate = defineUpdate<{ environment: string }, [ApprovalComment]>('approve');

/** A flow's approval wait, as its query answers (runs recorded before the details have `waitingFor` only). */
export interface ApprovalState {
  /** The environment whose approval is awaited, if the flow waits. */
  waitingFor?: string;
  /** While it waits: who may approve (logins or org/team), or anyone with this permission. */
  approvers?: string[];
  minPermission?: string;
  minApprovers?: number;
  /** Logins whose approvals count so far. */
  approvedBy?: string[];
  requestedBy?: string;
  /** The commit the deploy was requested for. */
  headSha?: string;
  /** When the wait began (ISO 8601). */
  since?: string;
}

/** The environment a flow waits to have approved, if it waits (for choosing among a PR's flows), and who may approve. */
export const approvalStateQuery = defineQuery<ApprovalState>('approvalState');

/** A new push to the pull request: approvals for the old head no longer count. */
export const headChangedSignal = defineSignal<[{ sha: string; deliveryId: string }]>('headChanged');

/** The pull request was closed: a flow waiting on it stops. */
export const prClosedSignal = defineSignal<[{ deliveryId: string }]>('prClosed');

export interface LockRequest {
  requester: string;
  label: string;
  /**
   * When it took the lock (epoch ms, the lock's workflow time): set by the lock once the request is first in
   * the queue, for the stale-lock sweep. Absent while it waits, and on a holder of a lock from before.
   */
  heldSince?: number;
}

/** Join the queue of an environment's lock. */
export const lockRequestSignal = defineSignal<[LockRequest]>('lockRequest');
/** Leave the queue, or hand the lock on. */
export const lockReleaseSignal = defineSignal<[{ requester: string }]>('lockRelease');
/** Sent to each requester when the queue moves: 0 means it holds the lock. */
export const lockPositionSignal = defineSignal<[{ position: number; holder: string }]>('lockPosition');
/**
 * Sent by the stale-lock sweep to a flow that held an environment's lock too long, just before it cancels
 * the flow: why, for the flow's comment on its pull request.
 */
export const lockSweptSignal = defineSignal<[{ reason: string }]>('lockSwept');
/** An environment lock's queue: its first entry holds the lock. */
export const lockStateQuery = defineQuery<{ queue: LockRequest[] }>('lockState');

/** One agent run to count against its owner's budget window (runBudgetWorkflow). */
export interface BudgetSpend {
  /** The delivery: counted once, so a redelivery is answered as the first time. */
  key: string;
  /** Login of the event's sender, lowercased. */
  sender: string;
  perAccount: number;
  perSender: number;
}

/** What the window has counted, the sender's runs included. */
export interface BudgetUsage {
  used: number;
  sender: number;
}

/**
 * Count a run. Its validator refuses a run over budget ("over budget: sender" or "over budget: account")
 * without a trace in history, so a flood of refused comments does not grow the window's history.
 */
export const spendUpdate = defineUpdate<BudgetUsage, [BudgetSpend]>('spend');

/** One spend's answer in a batch: counted (or counted before), or refused. */
export type BudgetBatchAnswer = BudgetUsage | { over: 'sender' | 'account' };

/**
 * Count the runs a worker process asks for at the same moment, in order, one answer each. Its validator
 * refuses a batch in which every run is over budget ("over budget: " and the JSON list of reasons) without
 * a trace in history, as `spend` does for one.
 */
export const spendBatchUpdate = defineUpdate<BudgetBatchAnswer[], [BudgetSpend[]]>('spendBatch');
