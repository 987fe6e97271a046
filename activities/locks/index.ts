// Environment locks from outside a workflow (workflow code cannot start or cancel a workflow that is not
// its child): joining a deploy queue by signal-with-start on its lock workflow, and the stale-lock sweep.
import type { Client } from '@temporalio/client';
import { durationText } from '../../src/config/duration.js';
import { runningEnvLocks } from '../../src/temporal/env-locks.js';
import { envLockWorkflowId } from '../../src/temporal/workflow-ids.js';
import { lockRequestSignal, lockStateQuery, lockSweptSignal } from '../../workflows/definitions.js';

export interface SweepRequest {
  /** The repository's key (workflow-ids.ts repositoryKey): whose locks are swept. */
  repoKey: string;
  /** A holder that took its lock longer ago than this (ms) is cancelled. */
  olderThanMs: number;
  /** Only these environments' locks (else every running lock of the repository, by a visibility search). */
  environments?: string[];
  /** Holders cancelled at most, per sweep. */
  max: number;
  /** Who sweeps (the flow's name), for the cancelled flow's comment. */
  sweeper: string;
}

export interface SweptLock {
  environment: string;
  /** The holder's label (`#12`) and workflow id. */
  holder: string;
  requester: string;
  heldMs: number;
}

export interface SweepResult {
  swept: SweptLock[];
  /** Locks looked at whose holder was younger than the age (or that nobody held). */
  kept: number;
  /** Stale holders left for the next sweep, past `max`. */
  deferred: number;
  /** More running locks than one sweep reads. */
  cut: boolean;
}

/** Running locks one sweep reads at most. */
const MAX_LOCKS = 100;

export function createLockActivities(client: () => Promise<Client>, taskQueue: string) {
  return {
    /** Joins an environment's deploy queue (starting its lock workflow if none runs). */
    async requestLock(input: { lockId: string; requester: string; label: string }): Promise<void> {
      const c = await client();
      await c.workflow.signalWithStart('envLockWorkflow', {
        workflowId: input.lockId,
        taskQueue,
        args: [{}],
        signal: lockRequestSignal,
        signalArgs: [{ requester: input.requester, label: input.label }],
      });
    },

    /**
     * Cancels the holders of the repository's locks that took them longer ago than the age: each flow then
     * undoes what it did (`compensate`), says on its pull request that the sweep cancelled it, and releases
     * the lock in its own `finally`; the lock is never taken from under a live deploy. Told first why (a
     * signal), then cancelled. A retry does the same again: a second signal and cancel change nothing, and a
     * holder that has released meanwhile is no longer the holder.
     */
    async sweepStaleLocks(r: SweepRequest): Promise<SweepResult> {
      const c = await client();
      const result: SweepResult = { swept: [], kept: 0, deferred: 0, cut: false };
      let locks: { workflowId: string; environment: string }[];
      if (r.environments) {
        locks = r.environments.map((environment) => ({
          workflowId: envLockWorkflowId(r.repoKey, environment),
          environment,
        }));
      } else {
        const found = await runningEnvLocks(c, r.repoKey, MAX_LOCKS);
        ({ locks } = found);
        result.cut = found.cut;
      }
      const now = Date.now();
      for (const { workflowId, environment } of locks.slice(0, MAX_LOCKS)) {
        // A lock that is not running (never taken, or idle and ended) holds nothing.
        const state = await c.workflow
          .getHandle(workflowId)
          .query(lockStateQuery)
          .catch(() => undefined);
        const holder = state?.queue[0];
        // A holder of a lock from before `heldSince` is timed from the lock's next turn (a few minutes).
        const heldMs = holder?.heldSince === undefined ? 0 : now - holder.heldSince;
        if (!holder || heldMs <= r.olderThanMs) {
          result.kept++;
          continue;
        }
        if (result.swept.length >= r.max) {
          result.deferred++;
          continue;
        }
        const flow = c.workflow.getHandle(holder.requester);
        const reason = `${r.sweeper}: it held \`${environment}\` for ${durationText(heldMs)}, longer than ${durationText(r.olderThanMs)}`;
        // Closed meanwhile: the lock drops it by itself.
        const gone = await flow.signal(lockSweptSignal, { reason }).then(
          () => false,
          () => true,
        );
        if (!gone) await flow.cancel().catch(() => undefined);
        if (!gone) result.swept.push({ environment, holder: holder.label, requester: holder.requester, heldMs });
      }
      return result;
    },
  };
}

export type LockActivities = ReturnType<typeof createLockActivities>;
