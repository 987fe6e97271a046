// One deploy per repository and environment at a time: `lock/<owner>/<repo>/<env>` keeps the queue in
// order and tells every requester its position whenever it moves. Started by signal-with-start from the
// first requester; ends once nobody holds or waits.
import { condition, continueAsNew, getExternalWorkflowHandle, setHandler, workflowInfo } from '@temporalio/workflow';
import { lockPositionSignal, lockReleaseSignal, lockRequestSignal, type LockRequest } from './definitions.js';

export async function envLockWorkflow(state: { queue?: LockRequest[] } = {}): Promise<void> {
  const queue: LockRequest[] = [...(state.queue ?? [])];
  let changed = queue.length > 0;
  setHandler(lockRequestSignal, (r) => {
    if (!queue.some((q) => q.requester === r.requester)) queue.push(r);
    changed = true;
  });
  setHandler(lockReleaseSignal, ({ requester }) => {
    const i = queue.findIndex((q) => q.requester === requester);
    if (i >= 0) queue.splice(i, 1);
    changed = true;
  });
  for (;;) {
    if (queue.length) await condition(() => changed);
    else if (!(await condition(() => changed, '1 minute'))) return; // idle: nobody holds or waits
    changed = false;
    const holder = queue[0]?.label ?? '';
    await Promise.all(
      queue.map((q, position) =>
        getExternalWorkflowHandle(q.requester)
          .signal(lockPositionSignal, { position, holder })
          .catch(() => undefined),
      ),
    );
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof envLockWorkflow>({ queue });
  }
}
