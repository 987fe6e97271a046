// One deploy per repository and environment at a time: `lock/<owner>/<repo>/<env>` keeps the queue in
// order and tells every requester its position whenever it moves. Started by signal-with-start from the
// first requester; ends once nobody holds or waits. A holder or waiter whose workflow has closed without
// releasing (terminated, or it failed before it could) is dropped: telling it its position fails, and the
// lock tells everyone again every few minutes, so a dead holder cannot keep the environment for ever.
// A live holder that keeps it too long (a deploy stuck, an approval forgotten) is the stale-lock sweep's
// (workflows/flow-nodes/lock-sweep.ts): the lock notes when each holder took it (`heldSince`).
import {
  condition,
  continueAsNew,
  deprecatePatch,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { LockActivities } from '../activities/locks/index.js';
import { parseRepositoryKey } from '../src/temporal/workflow-ids.js';
import { markRun } from './run-attributes.js';
import {
  lockPositionSignal,
  lockReleaseSignal,
  lockRequestSignal,
  lockStateQuery,
  type LockRequest,
} from './definitions.js';

export async function envLockWorkflow(state: { queue?: LockRequest[] } = {}): Promise<void> {
  const queue: LockRequest[] = [...(state.queue ?? [])];
  let changed = queue.length > 0;
  setHandler(lockRequestSignal, (r) => {
    if (!queue.some((q) => q.requester === r.requester)) queue.push(r);
    changed = true;
  });
  setHandler(lockStateQuery, () => ({ queue: [...queue] }));
  setHandler(lockReleaseSignal, ({ requester }) => {
    const i = queue.findIndex((q) => q.requester === requester);
    if (i >= 0) queue.splice(i, 1);
    changed = true;
  });
  deprecatePatch('lock-evicts-closed-requesters');
  // `lock/<repository key>/<environment>`: a GitLab project's key has a forge and any number of groups.
  const id = workflowInfo().workflowId;
  const { forge, fullName } = parseRepositoryKey(id.slice('lock/'.length, id.lastIndexOf('/')));
  const setState = markRun(
    'envLockWorkflow',
    { kind: 'lock', ...(forge === 'github' ? {} : { forge }), repository: fullName },
    'free',
  );
  for (;;) {
    if (queue.length) await condition(() => changed, '5 minutes');
    else if (!(await condition(() => changed, '1 minute'))) return; // idle: nobody holds or waits
    changed = false;
    // When the holder took the lock, for the sweep's query. Replay-safe: state only, no command, and no
    // command depends on it; a holder of a lock from before is timed from the first turn of this code.
    if (queue[0] && queue[0].heldSince === undefined) queue[0] = { ...queue[0], heldSince: Date.now() };
    const holder = queue[0]?.label ?? '';
    setState(queue.length ? `held by ${holder}, ${queue.length - 1} waiting` : 'free');
    const told = await Promise.all(
      queue.map((q, position) =>
        getExternalWorkflowHandle(q.requester)
          .signal(lockPositionSignal, { position, holder })
          .then(
            () => true,
            () => false,
          ),
      ),
    );
    if (told.includes(false)) {
      const gone = new Set(queue.filter((_, i) => !told[i]).map((q) => q.requester));
      queue.splice(0, queue.length, ...queue.filter((q) => !gone.has(q.requester)));
      changed = true; // the positions moved: tell everyone again
      continue;
    }
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof envLockWorkflow>({ queue });
  }
}

/**
 * Joins an environment's queue as this workflow and waits until it holds the lock (the flow undo's way:
 * flow-run.ts has its own, which shows the queue on the pull request). Release with releaseLock in a finally.
 */
export async function waitForLock(lockId: string, label: string, onQueued: (position: number) => void): Promise<void> {
  const { requestLock } = proxyActivities<LockActivities>({ startToCloseTimeout: '30 seconds' });
  let position = -1;
  setHandler(lockPositionSignal, (p) => void (position = p.position));
  await requestLock({ lockId, requester: workflowInfo().workflowId, label });
  let told = -1;
  while (position !== 0) {
    await condition(() => position !== told);
    told = position;
    if (position > 0) onQueued(position);
  }
}

/** Leaves the environment's queue, or hands the lock on; however the requester ended. */
export async function releaseLock(lockId: string): Promise<void> {
  await getExternalWorkflowHandle(lockId)
    .signal(lockReleaseSignal, { requester: workflowInfo().workflowId })
    .catch(() => undefined);
}
