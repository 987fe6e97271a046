// One deploy per repository and environment at a time: `lock/<owner>/<repo>/<env>` keeps the queue in
// order and tells every requester its position whenever it moves. Started by signal-with-start from the
// first requester; ends once nobody holds or waits. A holder or waiter whose workflow has closed without
// releasing (terminated, or it failed before it could) is dropped: telling it its position fails, and the
// lock tells everyone again every few minutes, so a dead holder cannot keep the environment for ever.
import {
  condition,
  continueAsNew,
  deprecatePatch,
  getExternalWorkflowHandle,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
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
