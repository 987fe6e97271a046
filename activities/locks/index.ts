// Joins an environment's deploy queue: signal-with-start on its lock workflow, from an activity because
// a workflow cannot start another workflow that is not its child.
import type { Client } from '@temporalio/client';
import { lockRequestSignal } from '../../workflows/definitions.js';

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
  };
}

export type LockActivities = ReturnType<typeof createLockActivities>;
