// The flow interpreter: walks an AgentFlow's nodes from `start` along connections whose `when` holds,
// one node at a time, each node's start, result and duration recorded (current details, history, the
// final comment). The flow was resolved from YAML before it started, so edits never change a run.
import { changeNoun, changeRef, forgeOf, forgeTargetOf } from '../src/forges/port.js';
import { envLockWorkflowId, repositoryKey } from '../src/temporal/workflow-ids.js';
import {
  ApplicationFailure,
  TemporalFailure,
  CancelledFailure,
  CancellationScope,
  condition,
  deprecatePatch,
  isCancellation,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { LockActivities } from '../activities/locks/index.js';
import { lockPositionSignal, lockSweptSignal } from './definitions.js';
import { releaseLock } from './env-lock.js';
import type { HttpActivities } from '../activities/http/index.js';
import type { ToolScope } from '../src/agents/tools.js';
import type { RunState } from './run-attributes.js';
import type { UntrustedContent } from '../src/agents/prompt.js';
import type { Agent, Fleet, Flow } from '../src/config/schema.js';
import { compile, renderFlowTemplate } from '../src/flows/expression.js';
import { flowEnvironment } from '../src/flows/environment.js';
import { succeeded } from '../src/flows/status.js';
import type { Metadata } from '../src/routing/metadata.js';
import { markRun } from './run-attributes.js';
import { forgeActivities } from './activities.js';
import type { AgentRunInput } from './agent-run.js';
import { approvalInbox, type ApprovalOutcome } from './approval-gate.js';
import { FLOW_NODE_TYPES, type FlowContext } from './flow-nodes/index.js';
import { answerProtectionRule, protectionVerdict, type ProtectionRuleAnswer } from './protection-rule.js';
import type { ProtectionRuleRequest } from './types.js';

export interface FlowRunInput {
  flow: string;
  spec: Flow['spec'];
  metadata: Metadata;
  data: UntrustedContent;
  args?: string;
  params: Record<string, unknown>;
  scope: ToolScope;
  githubTaskQueue: string;
  agents: Record<string, Agent['spec']>;
  fleets: Record<string, Fleet['spec']>;
  tokenBudget: number;
  modelTurnTimeoutSecs: number;
  taskTimeoutSecs?: number;
  prAuthor?: string;
  /** The author's user id, where the forge compares people by id (GitLab). */
  prAuthorId?: number;
  /** A GitHub Actions deployment waiting for this flow's decision (workflows/protection-rule.ts). */
  protectionRule?: ProtectionRuleRequest;
}

export interface NodeRecord {
  node: string;
  type: string;
  output: string;
  startedAt: string;
  ms: number;
  /** Set on a compensation's record: the node it undid. */
  undid?: string;
}

export interface FlowRunResult {
  flow: string;
  status: string;
  nodes: NodeRecord[];
  approval?: ApprovalOutcome;
  /** What the flow answered the GitHub Actions deployment that waited for it. */
  protectionRule?: ProtectionRuleAnswer;
  /** A flow that succeeded: its completed nodes with a `compensate`, the latest last (undone on a revert). */
  undoable?: string[];
}

const MAX_STEPS = 200;

/** `value.a.0.b`: a field of a validated answer, by names and array indexes. */
const fieldAt = (value: unknown, path: string[]): unknown =>
  path.reduce<unknown>(
    (v, k) =>
      v !== null && typeof v === 'object' && Object.hasOwn(v, k) ? (v as Record<string, unknown>)[k] : undefined,
    value,
  );

export async function flowRunWorkflow(input: FlowRunInput): Promise<FlowRunResult> {
  const rule = input.protectionRule;
  // Replay-safe: only a `deployment_protection_rule` delivery gives a flow `protectionRule`, input that no
  // run started before this code had, so those runs never reach the answer below.
  if (!rule) return runFlow(input);
  const forge = forgeActivities(input.githubTaskQueue);
  const target = forgeTargetOf(input.scope);
  let result: FlowRunResult;
  try {
    result = await runFlow(input);
  } catch (err) {
    // Failed or cancelled: the deployment is rejected, once, before the flow's failure is reported.
    await answerProtectionRule(forge, target, rule, {
      state: 'rejected',
      comment: `Flow ${input.flow}: ${err instanceof CancelledFailure ? 'cancelled' : 'failed'}; see its run in Temporal.`,
    });
    throw err;
  }
  const verdict = protectionVerdict(input.flow, succeeded(result.status), result.status, result.approval);
  return { ...result, protectionRule: await answerProtectionRule(forge, target, rule, verdict) };
}

/**
 * A flow's running state and the code that runs its nodes (by their types' records) and undoes them (by
 * their `compensate` nodes): the flow run's, and a reverted flow's undo run's (workflows/flow-undo.ts).
 * Adds no command of its own: `box` and `setState` are the caller's.
 */
export function flowSession(input: FlowRunInput, box: ReturnType<typeof approvalInbox>, setState: RunState) {
  const forge = forgeActivities(input.githubTaskQueue);
  const { httpCall } = proxyActivities<HttpActivities>({
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: '15 seconds', // a dead worker's call is retried soon, with the same idempotency key
    retry: { maximumAttempts: 5, initialInterval: '2 seconds' },
  });
  const outputs = new Map<string, string>();
  /** Agent nodes' validated answers (their agent's output_schema): `node.output.<field>` reads into them. */
  const typedOutputs = new Map<string, unknown>();
  const records: NodeRecord[] = [];
  const env = flowEnvironment(input.params, input.args);

  const scopeFn = (name: string): unknown => {
    if (name.startsWith('metadata.')) return input.metadata[name.slice(9)];
    if (name.startsWith('event.'))
      return name === 'event.args' ? input.args : name === 'event.environment' ? env : input.metadata[name.slice(6)];
    if (name.startsWith('params.')) return input.params[name.slice(7)];
    const [node, field, ...path] = name.split('.');
    // Only nodes whose agent has an output_schema are in typedOutputs: other runs read as before.
    if (field === 'output' && path.length && typedOutputs.has(node!)) return fieldAt(typedOutputs.get(node!), path);
    return field === 'output' || field === undefined ? outputs.get(node!) : undefined;
  };
  const text = (v: unknown) => renderFlowTemplate(String(v ?? ''), scopeFn);
  const base: Omit<AgentRunInput, 'agentName' | 'spec' | 'postAnswer'> = {
    metadata: input.metadata,
    data: input.data,
    args: input.args,
    scope: input.scope,
    githubTaskQueue: input.githubTaskQueue,
    tokenBudget: input.tokenBudget,
    modelTurnTimeoutSecs: input.modelTurnTimeoutSecs,
    taskTimeoutSecs: input.taskTimeoutSecs,
  };
  const nodes = new Map(input.spec.nodes.map((n) => [n.id, n]));
  const target = forgeTargetOf(input.scope);

  const flow: FlowContext = {
    input,
    env,
    scope: scopeFn,
    text,
    base,
    target,
    forge,
    httpCall,
    box,
    setState,
    outputs,
    typedOutputs,
    records,
    status: 'completed',
    run: (id) => runNode(id),
  };

  /** Runs node `id` by its type's record (workflows/flow-nodes/); its output. */
  function execute(id: string): Promise<string> {
    const node = nodes.get(id)!;
    const type = FLOW_NODE_TYPES[node.type];
    if (!type) throw ApplicationFailure.nonRetryable(`node "${id}": type "${node.type}" is not supported`);
    return type.run({ id, config: node.config ?? {} }, flow);
  }

  // Nodes that completed and name a node that undoes them (`compensate`), the latest last; each once.
  const undoable: string[] = [];
  /** Runs node `id` in the flow's course (not as a compensation): once done, it may have to be undone. */
  async function runNode(id: string): Promise<string> {
    const output = await execute(id);
    // Replay-safe: only a node with `compensate` is listed, a key the loader refused before it was read
    // here, so runs started earlier never list one and never reach undo() with anything to do.
    if (nodes.get(id)!.compensate !== undefined) {
      if (undoable.includes(id)) undoable.splice(undoable.indexOf(id), 1);
      undoable.push(id);
    }
    return output;
  }

  /**
   * Undoes what the flow did: the compensations of the nodes that completed, latest first, each once
   * (workflow code, so a worker that dies halfway resumes here, and an http hook's retry carries its
   * Idempotency-Key). One that fails is recorded and the rest still run. Nothing to do: no command.
   */
  async function undo(): Promise<number> {
    let ran = 0;
    await CancellationScope.nonCancellable(async () => {
      while (undoable.length) {
        const done = undoable.pop()!;
        const by = nodes.get(done)!.compensate!;
        const startedAt = Date.now();
        setCurrentDetails(`flow ${input.flow}: undoing ${done} with ${by}`);
        const output = await execute(by).catch(
          (e: Error) => `failed: ${(e.cause as Error | undefined)?.message ?? e.message}`,
        );
        outputs.set(by, output);
        const ms = Date.now() - startedAt;
        records.push({
          node: by,
          type: nodes.get(by)!.type,
          output: output.slice(0, 500),
          startedAt: new Date(startedAt).toISOString(),
          ms,
          undid: done,
        });
        ran++;
      }
    });
    return ran;
  }

  return { flow, forge, httpCall, outputs, records, env, scopeFn, nodes, target, runNode, undoable, undo };
}

async function runFlow(input: FlowRunInput): Promise<FlowRunResult> {
  const box = approvalInbox(); // listen for /approve from the first moment
  const setState = markRun(
    'flowRunWorkflow',
    {
      kind: 'flow',
      forge: forgeOf(input.scope),
      repository: String(input.metadata.repo_full_name ?? ''),
      number: input.scope.number,
    },
    'running',
  );
  const { flow, forge, outputs, records, env, scopeFn, nodes, target, runNode, undoable, undo } = flowSession(
    input,
    box,
    setState,
  );
  /** Why the stale-lock sweep cancelled this flow (it says so just before it cancels). */
  let swept: string | undefined;
  setHandler(lockSweptSignal, ({ reason }) => void (swept ??= reason));
  const edgeUses = new Map<number, number>();
  /** The node the walk is at. */
  let current: string | undefined = 'start';
  // A check is named by its commit and name where the forge's checks are commit statuses (GitLab).
  const deployCheck = { ...target, headSha: input.scope.headSha, name: `deploy ${env}` };

  /** The repository as the lock's id names it: with its forge, except GitHub's (and runs from before). */
  function lockRepository(): string {
    const repo = String(input.metadata.repo_full_name);
    const forge = input.scope.forge;
    return forge && forge !== 'github' && patched('flow-and-lock-ids-name-their-forge')
      ? repositoryKey(repo, forge)
      : repo;
  }

  // One deploy per repository and environment: wait for the lock, showing the queue position.
  const lockId =
    input.params.environment && input.params.lock !== false ? envLockWorkflowId(lockRepository(), env) : undefined;
  // Runs started by older code took the lock before the approval node and held it through the wait, so a
  // request nobody would approve (say from a read-only user) froze the environment for a day. Now the
  // approval waits outside the queue, where approvers can act on it; the lock is taken before the first
  // node that acts (anything but an approval, a condition or an end) and held until the flow ends.
  const lockAfterApproval = lockId !== undefined && patched('flow-lock-after-approval');
  let lockRequested = false;
  /** An approved request whose pull request moved on while it waited for the lock: its approvals are void. */
  const approvedHeadMoved = () =>
    lockAfterApproval &&
    flow.approval?.decision === 'approved' &&
    box.state.newHead !== undefined &&
    box.state.newHead !== input.scope.headSha;
  /** Waits for the environment's lock; a result when the PR closed (or, once approved, moved) while queued. */
  async function queueForLock(lockId: string): Promise<FlowRunResult | undefined> {
    const { requestLock } = proxyActivities<LockActivities>({ startToCloseTimeout: '30 seconds' });
    let position = -1;
    let told = -1;
    // An approved request shows its place in the queue on its approval's check run.
    let queuedCheck: number | undefined = lockAfterApproval ? flow.approval?.checkRunId : undefined;
    let queueShown = false;
    setHandler(lockPositionSignal, (p) => void (position = p.position));
    lockRequested = true;
    await requestLock({
      lockId,
      requester: workflowInfo().workflowId,
      // The label is the lock activity's input (no replay check reads it): `!n` on GitLab, `#n` elsewhere.
      label: input.scope.number === undefined ? '#?' : changeRef(input.scope, input.scope.number),
    });
    while (position !== 0 || approvedHeadMoved()) {
      if (approvedHeadMoved()) {
        await releaseLock(lockId);
        lockRequested = false;
        const [moved, sha] = [box.state.newHead!, input.scope.headSha!];
        if (input.scope.number !== undefined)
          await forge.postComment({
            ...target,
            issueNumber: input.scope.number,
            body: `New push \`${moved.slice(0, 7)}\`: the approved deploy of \`${sha.slice(0, 7)}\` to \`${env}\` was still waiting for the lock, and its ${flow.approval!.approvals.length} approval(s) no longer count. Request the deploy again for the new commit.`,
          });
        if (queuedCheck)
          await forge.updateCheckRun({
            ...deployCheck,
            checkRunId: queuedCheck,
            conclusion: 'cancelled',
            output: { title: `deploy ${env}: superseded by a push`, summary: 'Left the queue.' },
          });
        flow.approval = { decision: 'invalidated', approvals: [], detail: moved };
        return { flow: input.flow, status: 'superseded while queued', nodes: records, approval: flow.approval };
      }
      await condition(() => position !== told || box.state.closed || approvedHeadMoved());
      if (approvedHeadMoved()) continue;
      // The position as of now: a signal may move it again while the comment below is being posted.
      const now = position;
      if (box.state.closed) {
        await releaseLock(lockId);
        if (queuedCheck)
          await forge.updateCheckRun({
            ...deployCheck,
            checkRunId: queuedCheck,
            conclusion: 'cancelled',
            output: { title: `deploy ${env}: ${changeNoun(input.scope)} closed`, summary: 'Left the queue.' },
          });
        return { flow: input.flow, status: 'closed while queued', nodes: records };
      }
      if (position > 0 && input.scope.number !== undefined) {
        const title = `deploy ${env}: queued, position ${position}`;
        await forge.postComment({
          ...target,
          issueNumber: input.scope.number,
          body: `Queued for \`${env}\`: position ${position} — ${position === 1 ? 'one deploy is' : `${position} deploys are`} ahead. This request starts when the lock is free.`,
        });
        if (input.scope.headSha) {
          queuedCheck ??= (
            await forge.createCheckRun({
              ...target,
              name: `deploy ${env}`,
              headSha: input.scope.headSha,
              status: 'queued',
            })
          ).id;
          await forge.updateCheckRun({
            ...deployCheck,
            checkRunId: queuedCheck,
            output: { title, summary: `${position} deploy(s) to ${env} ahead of this one.` },
          });
          queueShown = true;
        }
      }
      deprecatePatch('lock-position-read-once');
      told = now;
    }
    // The queue's check run gives way to the deploy's own (an approval's own goes on to the deploy).
    if (queuedCheck && queuedCheck === flow.approval?.checkRunId) {
      if (queueShown)
        await forge.updateCheckRun({
          ...deployCheck,
          checkRunId: queuedCheck,
          output: { title: `deploy ${env}: approved, deploying`, summary: 'The lock is free; the deploy runs.' },
        });
    } else if (queuedCheck)
      await forge.updateCheckRun({
        ...deployCheck,
        checkRunId: queuedCheck,
        conclusion: 'skipped',
        output: {
          title: `deploy ${env}: left the queue`,
          summary: 'The lock is free; the deploy request continues in a new check run.',
        },
      });
    return undefined;
  }

  // A bug in a flow (say a TypeError in an interpreter path) fails this flow visibly instead of retrying
  // its workflow task for ever; the approval's check run is concluded and the lock released however the
  // flow ends, queued or running.
  deprecatePatch('flow-lock-released-and-bugs-fail-the-flow');
  try {
    const early = lockId && !lockAfterApproval ? await queueForLock(lockId) : undefined;
    return early ?? (await walk());
  } catch (err) {
    // A node failed or the flow was cancelled: what completed is undone first (only a flow that declares
    // `compensate` has anything to undo), its check run concluded, the change told.
    const undone = undoable.length ? await undo() : 0;
    // Replay-safe: `swept` is set only by the sweep's signal, which no run got before this code sent it,
    // so earlier runs comment (or not) as they did.
    if (undone || (swept && isCancellation(err))) await tellUndone(err, undone > 0);
    if (err instanceof TemporalFailure && !undone) throw err;
    const failure =
      err instanceof TemporalFailure
        ? err
        : ApplicationFailure.nonRetryable(`flow "${input.flow}" failed: ${(err as Error).message}`, 'FlowError');
    if (flow.approval?.checkRunId) {
      const checkRunId = flow.approval.checkRunId;
      await CancellationScope.nonCancellable(() =>
        forge.updateCheckRun({
          ...target,
          checkRunId,
          conclusion: 'failure',
          output: { title: `deploy ${env}: failed`, summary: 'The flow failed; see its run in Temporal.' },
        }),
      );
    }
    throw failure;
  } finally {
    if (lockId && (!lockAfterApproval || lockRequested))
      await CancellationScope.nonCancellable(() => releaseLock(lockId));
  }

  /** The comment of a flow that failed (or was cancelled) and undid what it had done, or that the sweep cancelled. */
  async function tellUndone(err: unknown, undone: boolean): Promise<void> {
    if (input.scope.number === undefined) return;
    // A cancel that arrives while a node's activity runs comes as that activity's failure: still a cancel.
    const cancelled = swept ? `cancelled by the stale-lock sweep (${swept})` : 'cancelled';
    const why = (isCancellation(err) ? cancelled : `failed at \`${current}\``) + (undone ? ', undone' : '');
    await CancellationScope.nonCancellable(() =>
      forge.postComment({
        ...target,
        issueNumber: input.scope.number!,
        body: `### Flow \`${input.flow}\` for \`${env}\`: ${why}\n\n${nodeTable(records)}`,
      }),
    );
  }

  async function walk(): Promise<FlowRunResult> {
    for (let step = 0; current; step++) {
      if (step >= MAX_STEPS)
        throw ApplicationFailure.nonRetryable(`flow "${input.flow}" ran ${MAX_STEPS} steps without ending`);
      const node = nodes.get(current)!;
      // The lock before the first node that acts; an approval after it waits holding the lock.
      if (lockAfterApproval && !lockRequested && FLOW_NODE_TYPES[node.type]?.acts !== false) {
        const early = await queueForLock(lockId!);
        if (early) return early;
      }
      const startedAt = Date.now();
      setCurrentDetails(
        `flow ${input.flow}: node ${current} (${node.type})\n\n${records.map((r) => `${r.node}: ${r.output} (${r.ms} ms)`).join('\n')}`,
      );
      const output = await runNode(current);
      outputs.set(current, output);
      records.push({
        node: current,
        type: node.type,
        output: output.slice(0, 500),
        startedAt: new Date(startedAt).toISOString(),
        ms: Date.now() - startedAt,
      });
      if (node.type === 'end') break;
      const from: string = current;
      current = undefined;
      for (const [i, c] of input.spec.connections.entries()) {
        if (c.from !== from) continue;
        if (c.when !== undefined && !compile(c.when)(scopeFn)) continue;
        const used = edgeUses.get(i) ?? 0;
        if (c.max !== undefined && used >= c.max) continue;
        edgeUses.set(i, used + 1);
        current = c.to;
        break;
      }
    }

    // A flow that ends short of success (rejected, not deployed) undoes what it did.
    if (!succeeded(flow.status) && undoable.length) await undo();
    if (flow.approval?.checkRunId) {
      const ok = succeeded(flow.status);
      await forge.updateCheckRun({
        ...deployCheck,
        checkRunId: flow.approval.checkRunId,
        conclusion: ok ? 'success' : 'failure',
        output: {
          title: `deploy ${env}: ${flow.status}`,
          summary: records.map((r) => `${r.node}: ${r.output}`).join('\n'),
        },
      });
    }
    if (input.scope.number !== undefined && records.length > 1) {
      const record = flow.approval?.approvals.length
        ? `\n\n**Approvals**\n\n| approver | when | commit | permission | via |\n| --- | --- | --- | --- | --- |\n${flow.approval.approvals.map((a) => `| @${a.login} | ${a.at} | \`${a.sha.slice(0, 7)}\` | ${a.permission} | ${a.via} |`).join('\n')}`
        : '';
      await forge.postComment({
        ...target,
        issueNumber: input.scope.number,
        body: `### Flow \`${input.flow}\` for \`${env}\`: ${flow.status}\n\n${nodeTable(records)}${record}`,
      });
    }
    setState(flow.status);
    // What a revert of the pull request would undo (workflows/flow-undo.ts); only a flow with `compensate`
    // has any, and a completion's result is not compared on replay.
    const revertable = succeeded(flow.status) && undoable.length ? { undoable: [...undoable] } : {};
    return { flow: input.flow, status: flow.status, nodes: records, approval: flow.approval, ...revertable };
  }
}

/** The nodes a flow ran, as the PR comment shows them; a compensation names the node it undid. */
export const nodeTable = (records: NodeRecord[]) =>
  `| node | result | duration |\n| --- | --- | --- |\n${records.map((r) => `| ${r.node} (${r.type}${r.undid ? `, undoes ${r.undid}` : ''}) | ${r.output.split('\n')[0]!.slice(0, 80)} | ${r.ms} ms |`).join('\n')}`;
