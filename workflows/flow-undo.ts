// The undo of a completed flow whose pull request was reverted (a merged revert pull request: see
// src/forges/github/revert.ts). A completed flow runs no more code, so this run reads what the flow did
// (its input, and which nodes completed with a `compensate`) from the flow's history in an activity, then
// runs their compensations latest first, each once, through the flow's own node code (flowSession in
// flow-run.ts), and says on the reverted pull request that the flow was undone and why. Its workflow id
// (flowUndoWorkflowId) makes a redelivered or repeated revert a no-op. A rollback is a deploy too: it
// takes the environment's lock the flow took (workflows/env-lock.ts), so it never races a deploy of it.
import { CancellationScope, proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { FlowActivities } from '../activities/flows/index.js';
import { changeNoun, changeRef, type ForgeName } from '../src/forges/port.js';
import { approvalInbox } from './approval-gate.js';
import { releaseLock, waitForLock } from './env-lock.js';
import { flowSession, nodeTable, type NodeRecord } from './flow-run.js';
import { markRun } from './run-attributes.js';

export interface FlowUndoInput {
  /** The completed flow run to undo. */
  flowWorkflowId: string;
  flowRunId: string;
  /** The reverted pull request, as the ingress verified it. */
  forge: ForgeName;
  repository: string;
  number: number;
  /** The merged pull request that reverted it, and the delivery that said so. */
  revert: { number: number; deliveryId: string };
}

export interface FlowUndoResult {
  status: 'undone' | 'nothing to undo';
  flow?: string;
  nodes: NodeRecord[];
}

export async function flowUndoWorkflow(i: FlowUndoInput): Promise<FlowUndoResult> {
  const setState = markRun(
    'flowUndoWorkflow',
    { kind: 'flow-undo', forge: i.forge, repository: i.repository, number: i.number },
    'reading the flow',
  );
  const { completedFlow } = proxyActivities<FlowActivities>({
    startToCloseTimeout: '1 minute',
    retry: { maximumAttempts: 5, initialInterval: '2 seconds' },
  });
  const done = await completedFlow({
    workflowId: i.flowWorkflowId,
    runId: i.flowRunId,
    forge: i.forge,
    repository: i.repository,
    number: i.number,
  });
  if (!done) {
    setState('nothing to undo');
    return { status: 'nothing to undo', nodes: [] };
  }
  const { undoable, undo, outputs, records, forge, target, env } = flowSession(done.input, approvalInbox(), setState);
  for (const [node, output] of Object.entries(done.outputs)) outputs.set(node, output);
  undoable.push(...done.undoable);
  // Replay-safe: `lockId` is new in completedFlow's result, and the result recorded in every undo run
  // started before this code lacks it, so those runs undo without the lock, as they did.
  const { lockId } = done;
  try {
    if (lockId) {
      setState(`queued for ${env}`);
      await waitForLock(lockId, `undo ${changeRef(i, i.number)}`, (position) =>
        setCurrentDetails(`flow ${done.input.flow}: the undo waits for \`${env}\`, position ${position}`),
      );
    }
    setState('undoing');
    setCurrentDetails(
      `flow ${done.input.flow}: undoing ${done.undoable.join(', ')} (#${i.revert.number} reverted #${i.number})`,
    );
    await undo();
    await forge.postComment({
      ...target,
      issueNumber: i.number,
      body: `### Flow \`${done.input.flow}\` for \`${env}\`: undone, ${changeRef(i, i.revert.number)} reverted this ${changeNoun(i)}\n\n${nodeTable(records)}`,
    });
  } finally {
    if (lockId) await CancellationScope.nonCancellable(() => releaseLock(lockId));
  }
  setState('undone');
  return { status: 'undone', flow: done.input.flow, nodes: records };
}
