// Starts the workflow for a routed delivery. The workflow ID derives from the delivery GUID, so a
// redelivery is answered with the same workflow and starts nothing new.
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import type { ReplyInput } from '../../workflows/reply.js';
import type { PrSignalTarget } from './pr-signals.js';
import { prFlows, type ApprovalAnswer } from './pr-flows.js';
import type { mergeGroupReviewWorkflow, MergeGroupReviewInput } from '../../workflows/merge-group-review.js';
import {
  gateCommandSignal,
  headChangedSignal,
  mergeGroupDestroyedSignal,
  prClosedSignal,
  reviewSignal,
} from '../../workflows/definitions.js';
import { gateCommandOf } from '../gate/pause.js';
import type { SearchAttributePair } from '@temporalio/common';
import { AofEvent, AofForge, AofNumber, AofRepository, AofState, AofTrigger } from '../temporal/search-attributes.js';
import { deliveryStart } from '../temporal/delivery-start.js';
import { flowUndoWorkflowId, gateWorkflowId, mergeGroupWorkflowId } from '../temporal/workflow-ids.js';
import type { flowUndoWorkflow, FlowUndoInput } from '../../workflows/flow-undo.js';
import type { ForgeName } from '../forges/port.js';
import { deadlineCaller, DISPATCH_TIMEOUT_MS, type WithDeadline } from './temporal-unavailable.js';
import type { routedEventWorkflow } from '../../workflows/routed-event.js';
import type { RoutedEventInput } from '../../workflows/types.js';
import type { prGateWorkflow, PrGateInput } from '../../workflows/pr-gate.js';
import type { GateCommand, ReviewRequest } from '../../workflows/definitions.js';

export interface Dispatched {
  /**
   * started: a new workflow; queued: a request signalled to a long-lived one (a PR's gate, a merge
   * group's review); none: no workflow runs that the event could stop (a destroyed merge group's).
   */
  status: 'started' | 'duplicate' | 'queued' | 'none';
  workflowId: string;
}

/** The long-lived gate workflow of one pull request. */
export { gateWorkflowId };

export type Dispatcher = ((input: RoutedEventInput) => Promise<Dispatched>) & {
  /** `/approve` or `/reject` for the flow waiting on a PR. */
  approveFlow?: (target: PrSignalTarget) => Promise<ApprovalAnswer>;
  /** A push or the PR closing, to every flow running on it; how many got it. */
  notifyFlows?: (target: PrSignalTarget) => Promise<number>;
  /**
   * A merged revert of a pull request: an undo run (flowUndoWorkflow) for each of its flows that completed,
   * once per flow run however often the revert arrives; how many were started.
   */
  undoFlows?: (target: RevertTarget) => Promise<number>;
  /**
   * Posts a reply through a one-off workflow (the ingress makes no GitHub call itself), once per `key`
   * (a pull request, window and text: see budgets.ts): a start only, it waits for no worker.
   */
  reply?: (input: ReplyInput, key: string) => Promise<void>;
};

export { deliveryStart };

/** A merged pull request (`revert`) that reverted pull request `number` of `repo`. */
export interface RevertTarget {
  forge: ForgeName;
  repo: string;
  number: number;
  revert: { number: number; deliveryId: string };
}

/**
 * `client` is the client, or where to get it when the call is made (`aofctl serve` connects in the
 * background; until then it throws a TemporalUnavailableError). Every call is bounded by `timeoutMs`.
 */
export function createDispatcher(
  client: Client | (() => Client),
  taskQueue: string,
  timeoutMs = DISPATCH_TIMEOUT_MS,
): Dispatcher {
  const withDeadline = deadlineCaller(client, timeoutMs);
  const dispatch: Dispatcher = async (input) => {
    const start = deliveryStart(input, taskQueue);
    const { workflowId } = start;
    try {
      if (input.target.kind === 'gate' && input.mergeGroup) return await mergeGroup(withDeadline, taskQueue, input);
      if (input.target.kind === 'gate')
        return await signalGate(withDeadline, taskQueue, input, start.typedSearchAttributes);
      await withDeadline((c) => c.workflow.start<typeof routedEventWorkflow>('routedEventWorkflow', start));
      return { status: 'started', workflowId };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return { status: 'duplicate', workflowId };
      throw err; // a TemporalUnavailableError when Temporal did not answer
    }
  };
  const flows = prFlows(withDeadline);
  dispatch.approveFlow = (t) =>
    flows.approve(t.forge, t.repo, t.commit ? { commit: t.commit } : t.number!, t.signal.arg as never);
  dispatch.notifyFlows = (t) =>
    flows.notify(t.forge, t.repo, t.number!, (c, id) => {
      const h = c.workflow.getHandle(id);
      return t.signal.name === 'prClosed'
        ? h.signal(prClosedSignal, t.signal.arg as never)
        : h.signal(headChangedSignal, t.signal.arg as never);
    });
  dispatch.undoFlows = async (t) => {
    let started = 0;
    for (const run of await flows.completed(t.forge, t.repo, t.number)) {
      const args: FlowUndoInput = {
        flowWorkflowId: run.workflowId,
        flowRunId: run.runId,
        forge: t.forge,
        repository: t.repo,
        number: t.number,
        revert: t.revert,
      };
      try {
        await withDeadline((c) =>
          c.workflow.start<typeof flowUndoWorkflow>('flowUndoWorkflow', {
            workflowId: flowUndoWorkflowId(run.workflowId, run.runId),
            taskQueue,
            args: [args],
            workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
            typedSearchAttributes: [
              { key: AofForge, value: t.forge },
              { key: AofRepository, value: t.repo },
              { key: AofNumber, value: t.number },
              { key: AofState, value: 'queued' },
            ],
            staticSummary: `undo of ${run.workflowId}: #${t.revert.number} reverted #${t.number}`,
          }),
        );
        started++;
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    }
    return started;
  };
  dispatch.reply = async (input, key) => {
    try {
      await withDeadline((c) =>
        c.workflow.start('replyWorkflow', {
          workflowId: `reply/${key}`,
          taskQueue,
          args: [input],
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        }),
      );
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  };
  return dispatch;
}

/**
 * A merge queue's group: `checks_requested` starts its review (one per head commit: a redelivery is a
 * duplicate, unless the review failed), `destroyed` stops the review running for it.
 */
async function mergeGroup(withDeadline: WithDeadline, taskQueue: string, input: RoutedEventInput): Promise<Dispatched> {
  const m = input.metadata;
  const g = input.mergeGroup!;
  const repository = String(m.repo_full_name);
  const workflowId = mergeGroupWorkflowId(repository, g.headSha);
  if (g.action === 'destroyed') {
    try {
      await withDeadline((c) =>
        c.workflow.getHandle(workflowId).signal(mergeGroupDestroyedSignal, {
          deliveryId: input.deliveryId,
          ...(g.reason ? { reason: g.reason } : {}),
        }),
      );
      return { status: 'queued', workflowId };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return { status: 'none', workflowId };
      throw err;
    }
  }
  const gate = input.gate;
  if (!gate) throw new Error(`gate "${input.target.name}" is not defined`);
  const args: MergeGroupReviewInput = {
    repo: {
      owner: String(m.repo_owner),
      repo: String(m.repo_name),
      installationId: typeof m.installation_id === 'number' ? m.installation_id : undefined,
      ...(input.installationBound ? { installationBound: true } : {}),
    },
    group: { headSha: g.headSha, baseSha: g.baseSha, headRef: g.headRef },
    gate,
    githubTaskQueue: input.githubTaskQueue,
    detailsUrlBase: input.detailsUrlBase,
    modelTurnTimeoutSecs: input.modelTurnTimeoutSecs,
  };
  await withDeadline((c) =>
    c.workflow.start<typeof mergeGroupReviewWorkflow>('mergeGroupReviewWorkflow', {
      workflowId,
      taskQueue,
      args: [args],
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      typedSearchAttributes: [
        { key: AofEvent, value: `merge_group.${g.action}` },
        { key: AofTrigger, value: input.trigger },
        { key: AofState, value: 'queued' },
        { key: AofForge, value: 'github' },
        { key: AofRepository, value: repository },
      ],
      staticSummary: `${gate.title} gate check of a merge group of ${repository} at ${g.headSha.slice(0, 7)}`,
    }),
  );
  return { status: 'started', workflowId };
}

/** Signal-with-start: one gate per PR receives every review request; its first request starts it. */
async function signalGate(
  withDeadline: WithDeadline,
  taskQueue: string,
  input: RoutedEventInput,
  searchAttributes: SearchAttributePair[],
): Promise<Dispatched> {
  const m = input.metadata;
  if (!input.gate || !input.review) throw new Error(`gate "${input.target.name}" needs a pull request event`);
  const workflowId = gateWorkflowId(String(m.repo_full_name), input.review.number, input.forge);
  const init: PrGateInput = {
    pr: {
      ...(input.forge ? { forge: input.forge } : {}),
      owner: String(m.repo_owner),
      repo: String(m.repo_name),
      number: input.review.number,
      installationId: typeof m.installation_id === 'number' ? m.installation_id : undefined,
      ...(input.installationBound ? { installationBound: true } : {}),
    },
    gate: input.gate,
    githubTaskQueue: input.githubTaskQueue,
    detailsUrlBase: input.detailsUrlBase,
    modelTurnTimeoutSecs: input.modelTurnTimeoutSecs,
  };
  const command = gateCommandOf(input.key);
  if (command) {
    // `/pause`, `/resume`: the gate asks the forge whether the sender may, and answers on the PR.
    if (!input.sender) throw new Error(`${input.key} needs the sender of the comment`);
    const arg: GateCommand = { deliveryId: input.deliveryId, command, login: input.sender };
    await withDeadline((c) =>
      c.workflow.signalWithStart<typeof prGateWorkflow, [GateCommand]>('prGateWorkflow', {
        ...gateStart(String(m.repo_full_name), init, taskQueue, searchAttributes),
        signal: gateCommandSignal.name,
        signalArgs: [arg],
      }),
    );
    return { status: 'queued', workflowId };
  }
  const request: ReviewRequest = { deliveryId: input.deliveryId, headSha: input.review.headSha, reason: input.key };
  await withDeadline((c) =>
    c.workflow.signalWithStart<typeof prGateWorkflow, [ReviewRequest]>(
      'prGateWorkflow',
      gateSignalWithStart(String(m.repo_full_name), init, request, taskQueue, searchAttributes),
    ),
  );
  return { status: 'queued', workflowId };
}

/**
 * The signal-with-start of a PR's gate: a review request to the running gate, or its start with `init`
 * (a delivery routed to a gate, and `aofctl mcp`'s request_review of a gate that has ended).
 */
export function gateSignalWithStart(
  repoFullName: string,
  init: PrGateInput,
  request: ReviewRequest,
  taskQueue: string,
  searchAttributes: SearchAttributePair[],
) {
  return {
    ...gateStart(repoFullName, init, taskQueue, searchAttributes),
    signal: reviewSignal.name,
    signalArgs: [request] as [ReviewRequest],
  };
}

/** How a PR's gate starts, whichever signal starts it. */
function gateStart(
  repoFullName: string,
  init: PrGateInput,
  taskQueue: string,
  searchAttributes: SearchAttributePair[],
) {
  return {
    workflowId: gateWorkflowId(repoFullName, init.pr.number, init.pr.forge),
    taskQueue,
    args: [init] as [PrGateInput],
    typedSearchAttributes: [
      ...searchAttributes.filter((p) => p.key.name !== AofNumber.name),
      { key: AofNumber, value: init.pr.number },
    ],
    staticSummary: `${init.gate.title} gate check of ${repoFullName}#${init.pr.number}`,
  };
}
