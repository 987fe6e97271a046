// Delivers pull or merge request events to the flows running on that change: `/approve` and `/reject` to
// the one waiting for approval (as an update, whose validator turns away what changes nothing without a
// trace in history), pushes and closing to all of them. Flows are found by their workflow ids,
// `flow/<repository key>#<n>` or `flow/<repository key>#<n>/<flow>[/<environment>]` (workflow-ids.ts: the
// key names the forge, except GitHub's); a flow on a commit without a pull request (a GitHub Actions
// deployment of a push) by `flow/<repository key>@<sha>/...`, which its commit's comments reach.
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { WithDeadline } from './temporal-unavailable.js';
import type { ForgeName } from '../forges/port.js';
import { changeFlowsPrefix, commitFlowsPrefix } from '../temporal/workflow-ids.js';
import {
  approvalSignal,
  approvalStateQuery,
  approvalUpdate,
  type ApprovalComment,
} from '../../workflows/definitions.js';

export type ApprovalAnswer =
  | { status: 'signalled'; workflowId: string }
  | { status: 'nothing waiting' }
  | { status: 'ignored'; reason: string; workflowId: string }
  | { status: 'ambiguous'; environments: string[] };

const NOTHING_WAITING = 'nothing is waiting for approval';

/** How long an approval looks again for a flow the visibility store may not list yet. */
const VISIBILITY_LAG_MS = 1500;

/** Runs of one pull request's flows looked at when it is reverted, and flows undone at most. */
const MAX_RUNS_LISTED = 500;
const MAX_REVERTED = 20;

/** What flows run on: a pull or merge request by its number, or a commit without one. */
export type FlowsOn = number | { commit: string };

export function prFlows(withDeadline: WithDeadline) {
  async function running(forge: ForgeName, repo: string, on: FlowsOn): Promise<string[]> {
    const base =
      typeof on === 'number' ? changeFlowsPrefix(repo, on, forge) : commitFlowsPrefix(repo, on.commit, forge);
    const ids: string[] = [];
    const query = `WorkflowType = 'flowRunWorkflow' AND ExecutionStatus = 'Running' AND WorkflowId STARTS_WITH ${JSON.stringify(base)}`;
    await withDeadline(async (client) => {
      for await (const w of client.workflow.list({ query }))
        if (w.workflowId === base || w.workflowId.startsWith(`${base}/`)) ids.push(w.workflowId);
    });
    return ids.sort();
  }

  /**
   * The flows running on a PR, asked again for a moment while there are none: Temporal's visibility store
   * lists a new run a little after it started (an `/approve` right after the plan comment would otherwise
   * be answered "nothing waiting").
   */
  async function runningSoon(forge: ForgeName, repo: string, on: FlowsOn): Promise<string[]> {
    const until = Date.now() + VISIBILITY_LAG_MS;
    for (let wait = 100; ; wait = Math.min(wait * 2, 400)) {
      const ids = await running(forge, repo, on);
      if (ids.length > 0 || Date.now() + wait > until) return ids;
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  async function waitingFor(id: string): Promise<string | undefined> {
    try {
      return (await withDeadline((client) => client.workflow.getHandle(id).query(approvalStateQuery), 2000)).waitingFor;
    } catch {
      return undefined; // a run recorded before the query existed, or one that just closed
    }
  }

  /** The flow an approval is for: the only one running, or the one waiting (for the named environment). */
  async function target(ids: string[], comment: ApprovalComment): Promise<string | ApprovalAnswer> {
    if (ids.length === 0) return { status: 'nothing waiting' };
    if (ids.length === 1) return ids[0]!;
    const waiting = (await Promise.all(ids.map(async (id) => ({ id, env: await waitingFor(id) })))).filter(
      (w) => w.env !== undefined,
    );
    if (waiting.length === 0) return { status: 'nothing waiting' };
    if (waiting.length === 1) return waiting[0]!.id;
    const named = comment.reason?.split(/\s+/)[0];
    const chosen = waiting.filter((w) => w.env === named);
    return chosen.length === 1 ? chosen[0]!.id : { status: 'ambiguous', environments: waiting.map((w) => w.env!) };
  }

  return {
    running,

    async approve(forge: ForgeName, repo: string, on: FlowsOn, comment: ApprovalComment): Promise<ApprovalAnswer> {
      const chosen = await target(await runningSoon(forge, repo, on), comment);
      if (typeof chosen !== 'string') return chosen;
      try {
        // The handler only queues the comment, so accepted and completed are one step; a validator's
        // refusal comes back as a failed update.
        await withDeadline(
          (client) =>
            client.workflow
              .getHandle(chosen)
              .executeUpdate(approvalUpdate, { args: [comment], updateId: `approve-${comment.deliveryId}` }),
          3000,
        );
        return { status: 'signalled', workflowId: chosen };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return { status: 'nothing waiting' };
        if (err instanceof WorkflowUpdateFailedError) {
          const reason = err.cause?.message ?? err.message;
          if (reason === NOTHING_WAITING) return { status: 'nothing waiting' };
          if (!/handler|not found|unknown/i.test(reason)) return { status: 'ignored', reason, workflowId: chosen };
        }
        // A run from before the update existed, or no worker to validate it in time: a signal always lands.
        await withDeadline((client) => client.workflow.getHandle(chosen).signal(approvalSignal, comment));
        return { status: 'signalled', workflowId: chosen };
      }
    },

    /**
     * The flow runs on a PR to undo when it is reverted: each flow's latest run, when it completed (a
     * later run still going, or one that failed, has nothing a revert should undo), at most MAX_REVERTED.
     */
    async completed(forge: ForgeName, repo: string, number: number): Promise<{ workflowId: string; runId: string }[]> {
      const base = changeFlowsPrefix(repo, number, forge);
      const query = `WorkflowType = 'flowRunWorkflow' AND WorkflowId STARTS_WITH ${JSON.stringify(base)}`;
      const latest = new Map<string, { runId: string; start: number; completed: boolean }>();
      let seen = 0;
      await withDeadline(async (client) => {
        for await (const w of client.workflow.list({ query })) {
          if (++seen > MAX_RUNS_LISTED) break;
          if (w.workflowId !== base && !w.workflowId.startsWith(`${base}/`)) continue;
          const start = w.startTime.getTime();
          if ((latest.get(w.workflowId)?.start ?? -Infinity) >= start) continue;
          latest.set(w.workflowId, { runId: w.runId, start, completed: w.status.name === 'COMPLETED' });
        }
      });
      return [...latest]
        .filter(([, r]) => r.completed)
        .map(([workflowId, r]) => ({ workflowId, runId: r.runId }))
        .sort((a, b) => a.workflowId.localeCompare(b.workflowId))
        .slice(0, MAX_REVERTED);
    },

    /** Sends a signal to every flow running on the PR; how many got it. */
    async notify(
      forge: ForgeName,
      repo: string,
      number: number,
      send: (client: Client, id: string) => Promise<void>,
    ): Promise<number> {
      let sent = 0;
      for (const id of await running(forge, repo, number)) {
        try {
          await withDeadline((client) => send(client, id));
          sent++;
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
      }
      return sent;
    },
  };
}
