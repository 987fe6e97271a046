// What a completed flow run did, for its undo when its pull request is reverted (workflows/flow-undo.ts):
// read from the run's own history through the Temporal client, the run's input (its first event) and its
// result (its close event), and only what the undo needs comes back: the input the flow ran with (already
// a workflow input, so bounded like one), the nodes to undo, and the outputs its compensations may read.
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { ForgeName } from '../../src/forges/port.js';
import { flowEnvironment } from '../../src/flows/environment.js';
import { succeeded } from '../../src/flows/status.js';
import { envLockWorkflowId, repositoryKey } from '../../src/temporal/workflow-ids.js';
import type { FlowRunInput, FlowRunResult } from '../../workflows/flow-run.js';

export interface CompletedFlowRequest {
  workflowId: string;
  runId: string;
  /** The reverted pull request, as the ingress verified it: the flow must be on it. */
  forge: ForgeName;
  repository: string;
  number: number;
}

export interface CompletedFlow {
  input: FlowRunInput;
  /** The completed nodes with a `compensate`, the latest last. */
  undoable: string[];
  /** The outputs of the nodes the flow ran, as its result recorded them (at most 500 characters each). */
  outputs: Record<string, string>;
  /** The lock of the environment the flow deployed to, which its undo takes too (absent: the flow took none). */
  lockId?: string;
}

/** Nodes a flow may name: more are never read from a result (a flow runs at most 200 steps). */
const MAX_UNDOABLE = 200;

/** The nodes of a completed flow to undo: its result's list, or (a result from before the list) its records. */
export function undoableOf(input: FlowRunInput, result: FlowRunResult): string[] {
  if (result.undoable) return result.undoable.slice(-MAX_UNDOABLE);
  if (!succeeded(result.status)) return [];
  // Nothing is left to undo once a compensation ran (the flow then failed or was rejected).
  if (result.nodes.some((r) => r.undid !== undefined)) return [];
  const compensated = new Set(input.spec.nodes.filter((n) => n.compensate !== undefined).map((n) => n.id));
  const order: string[] = [];
  for (const r of result.nodes)
    if (compensated.has(r.node)) {
      if (order.includes(r.node)) order.splice(order.indexOf(r.node), 1);
      order.push(r.node);
    }
  return order.slice(-MAX_UNDOABLE);
}

export function createFlowActivities(client: () => Promise<Client>) {
  return {
    /** The flow run, when it completed on the given pull request and left something to undo. */
    async completedFlow(r: CompletedFlowRequest): Promise<CompletedFlow | undefined> {
      const c = await client();
      const handle = c.workflow.getHandle(r.workflowId, r.runId, { followRuns: false });
      const described = await handle.describe();
      if (described.type !== 'flowRunWorkflow' || described.status.name !== 'COMPLETED') return undefined;
      const first = await c.workflowService.getWorkflowExecutionHistory({
        namespace: c.options.namespace,
        execution: { workflowId: r.workflowId, runId: r.runId },
        maximumPageSize: 1,
      });
      const payload = first.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
      if (!payload) return undefined;
      const input = defaultPayloadConverter.fromPayload<FlowRunInput>(payload);
      // The pull request the revert named, in the verified repository and forge, and no other.
      const forge = input.scope.forge ?? 'github';
      if (
        forge !== r.forge ||
        input.scope.number !== r.number ||
        String(input.metadata.repo_full_name).toLowerCase() !== r.repository.toLowerCase()
      )
        return undefined;
      const result = (await handle.result()) as FlowRunResult;
      const undoable = undoableOf(input, result);
      if (!undoable.length) return undefined;
      const outputs: Record<string, string> = {};
      for (const n of result.nodes) if (n.undid === undefined) outputs[n.node] = n.output.slice(0, 500);
      // The lock the flow took (flow-run.ts): an environment, unless the trigger said `lock: false`.
      const lockId =
        input.params.environment && input.params.lock !== false
          ? envLockWorkflowId(
              repositoryKey(String(input.metadata.repo_full_name), forge),
              flowEnvironment(input.params, input.args),
            )
          : undefined;
      return { input, undoable, outputs, ...(lockId ? { lockId } : {}) };
    },
  };
}

export type FlowActivities = ReturnType<typeof createFlowActivities>;
