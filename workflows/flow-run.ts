// The flow interpreter: walks an AgentFlow's nodes from `start` along connections whose `when` holds,
// one node at a time, each node's start, result and duration recorded (current details, history, the
// final comment). The flow was resolved from YAML before it started, so edits never change a run.
import { changeNoun, forgeOf, forgeTargetOf } from '../src/forges/port.js';
import { repositoryKey } from '../src/temporal/workflow-ids.js';
import {
  ApplicationFailure,
  TemporalFailure,
  CancellationScope,
  condition,
  deprecatePatch,
  executeChild,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { LockActivities } from '../activities/locks/index.js';
import { lockPositionSignal, lockReleaseSignal } from './definitions.js';
import type { HttpActivities } from '../activities/http/index.js';
import type { ToolScope } from '../src/agents/tools.js';
import type { UntrustedContent } from '../src/agents/prompt.js';
import type { Agent, Fleet, Flow } from '../src/config/schema.js';
import { compile, renderFlowTemplate } from '../src/flows/expression.js';
import { flowEnvironment } from '../src/flows/environment.js';
import { templateValues, type HttpTemplate } from '../src/flows/http-request.js';
import type { Metadata } from '../src/routing/metadata.js';
import { markRun } from './run-attributes.js';
import { forgeActivities } from './activities.js';
import { agentRunWorkflow, type AgentRunInput } from './agent-run.js';
import { approvalGate, approvalInbox, type ApprovalOutcome } from './approval-gate.js';
import { fleetRunWorkflow } from './fleet-run.js';

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
}

export interface NodeRecord {
  node: string;
  type: string;
  output: string;
  startedAt: string;
  ms: number;
}

export interface FlowRunResult {
  flow: string;
  status: string;
  nodes: NodeRecord[];
  approval?: ApprovalOutcome;
}

const MAX_STEPS = 200;

/** `value.a.0.b`: a field of a validated answer, by names and array indexes. */
const fieldAt = (value: unknown, path: string[]): unknown =>
  path.reduce<unknown>(
    (v, k) =>
      v !== null && typeof v === 'object' && Object.hasOwn(v, k) ? (v as Record<string, unknown>)[k] : undefined,
    value,
  );

const duration = (v: unknown, fallbackMs: number): number => {
  if (typeof v === 'number') return v * 1000;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(String(v ?? '').trim());
  if (!m) return fallbackMs;
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 }[m[2] as 'ms'];
};

export async function flowRunWorkflow(input: FlowRunInput): Promise<FlowRunResult> {
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
  const edgeUses = new Map<number, number>();
  let approval: ApprovalOutcome | undefined;
  let status = 'completed';
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

  async function run(id: string): Promise<string> {
    const n = nodes.get(id)!;
    const c = n.config ?? {};
    switch (n.type) {
      case 'agent': {
        const name = String(c.agent);
        const r = await executeChild(agentRunWorkflow, {
          workflowId: `${workflowInfo().workflowId}/${id}-${records.length}`,
          args: [
            {
              ...base,
              agentName: name,
              spec: input.agents[name]!,
              postAnswer: false,
              data: { ...input.data, previous: [...outputs].map(([agent, answer]) => ({ agent, answer })) },
            },
          ],
        });
        // Set only by an agent with output_schema, which old runs' specs never had (the loader refused it).
        if (r.output !== undefined) typedOutputs.set(id, r.output);
        return r.answer;
      }
      case 'fleet': {
        const name = String(c.fleet);
        const r = await executeChild(fleetRunWorkflow, {
          workflowId: `${workflowInfo().workflowId}/${id}-${records.length}`,
          args: [{ fleet: name, spec: input.fleets[name]!, agents: input.agents, base, postAnswer: false }],
        });
        return r.answer;
      }
      case 'approval': {
        if (input.params.require_approval === false) return 'approved';
        setState('awaiting approval');
        const approvers = (c.approvers ?? input.params.approvers ?? []) as string[];
        approval = await approvalGate(
          input.scope,
          {
            environment: env,
            approvers,
            minApprovers: Number(c.min_approvers ?? input.params.min_approvers ?? 1),
            allowAuthor: Boolean(c.allow_author ?? input.params.allow_author ?? false),
            minPermission: (c.min_permission ?? input.params.min_permission) as string | undefined,
            timeoutMs: duration(c.timeout ?? input.params.timeout, 24 * 3600_000),
            reminderMs:
              (c.reminder ?? input.params.reminder) ? duration(c.reminder ?? input.params.reminder, 0) : undefined,
            requestedBy: String(input.metadata.sender_login),
            prAuthor: input.prAuthor,
            ...(input.prAuthorId !== undefined ? { prAuthorId: input.prAuthorId } : {}),
          },
          input.githubTaskQueue,
          box,
        );
        return approval.decision;
      }
      case 'conditional':
        return String(Boolean(compile(String(c.expression))(scopeFn)));
      case 'wait':
        await sleep(duration(c.duration, 0));
        return 'waited';
      case 'github': {
        const action = String(c.action ?? 'comment');
        if (action === 'comment')
          return String(
            (await forge.postComment({ ...target, issueNumber: input.scope.number!, body: text(c.body) })).id,
          );
        if (action === 'label')
          return (
            await forge.runTool({
              tool: 'github_add_labels',
              input: { labels: (c.labels as string[]).map(text) },
              scope: input.scope,
            })
          ).content;
        if (action === 'check_run') {
          const conclusion = c.conclusion ? (text(c.conclusion) as 'success') : undefined;
          const check = { ...target, name: text(c.name ?? id), headSha: input.scope.headSha! };
          const run = await forge.createCheckRun({ ...check, status: conclusion ? 'completed' : 'in_progress' });
          await forge.updateCheckRun({
            ...check,
            checkRunId: run.id,
            conclusion,
            output: { title: text(c.title ?? c.name ?? id), summary: text(c.summary ?? c.title ?? id) },
          });
          return String(run.id);
        }
        throw ApplicationFailure.nonRetryable(
          `github node "${id}": unknown action "${action}" (comment, label, check_run)`,
        );
      }
      case 'parallel': {
        // Branches run together; the join decides: all must succeed, any one, or a majority.
        const branches = (c.branches as string[]).map(String);
        const settled = await Promise.all(
          branches.map((b) =>
            run(b).then(
              (o) => (outputs.set(b, o), { b, ok: true, o }),
              (e: Error) => ({ b, ok: false, o: e.message }),
            ),
          ),
        );
        const ok = settled.filter((r) => r.ok).length;
        const join = String(c.join ?? 'all');
        const passed =
          join === 'any' ? ok > 0 : join === 'majority' ? ok * 2 > branches.length : ok === branches.length;
        return passed ? 'joined' : `failed (${ok}/${branches.length} branches succeeded, join ${join})`;
      }
      case 'http': {
        const defaultBody = JSON.stringify({
          repository: input.metadata.repo_full_name,
          sha: input.scope.headSha,
          environment: env,
        });
        const visit = records.filter((r) => r.node === id).length;
        deprecatePatch('http-node-rendered-by-worker');
        const call = {
          method: String(c.method ?? 'POST'),
          // The run's own identity: a later flow on the same PR (same workflow id) is a new deploy.
          idempotencyKey: `${workflowInfo().firstExecutionRunId}:${id}:${visit}`,
          timeoutMs: duration(c.timeout, 30_000),
        };
        // The worker renders the request: event values encoded where they land, credentials from its
        // environment (never in this history).
        const template: HttpTemplate = {
          url: String(c.url),
          body: c.body,
          headers: c.headers as Record<string, string> | undefined,
        };
        const r = await httpCall({
          ...call,
          template,
          values: templateValues(template, scopeFn),
          body: c.body === undefined ? defaultBody : undefined,
        });
        return String(r.status);
      }
      case 'end':
        status = String(c.status ?? 'completed');
        return status;
      default:
        throw ApplicationFailure.nonRetryable(`node "${id}": type "${n.type}" is not supported`);
    }
  }

  // One deploy per repository and environment: wait for the lock, showing the queue position.
  const lockId =
    input.params.environment && input.params.lock !== false ? `lock/${lockRepository()}/${env}` : undefined;
  // Runs started by older code took the lock before the approval node and held it through the wait, so a
  // request nobody would approve (say from a read-only user) froze the environment for a day. Now the
  // approval waits outside the queue, where approvers can act on it; the lock is taken before the first
  // node that acts (anything but an approval, a condition or an end) and held until the flow ends.
  const lockAfterApproval = lockId !== undefined && patched('flow-lock-after-approval');
  let lockRequested = false;
  const LOCK_FREE_NODES = new Set(['approval', 'conditional', 'end']);
  /** An approved request whose pull request moved on while it waited for the lock: its approvals are void. */
  const approvedHeadMoved = () =>
    lockAfterApproval &&
    approval?.decision === 'approved' &&
    box.state.newHead !== undefined &&
    box.state.newHead !== input.scope.headSha;
  /** Waits for the environment's lock; a result when the PR closed (or, once approved, moved) while queued. */
  async function queueForLock(lockId: string): Promise<FlowRunResult | undefined> {
    const { requestLock } = proxyActivities<LockActivities>({ startToCloseTimeout: '30 seconds' });
    let position = -1;
    let told = -1;
    // An approved request shows its place in the queue on its approval's check run.
    let queuedCheck: number | undefined = lockAfterApproval ? approval?.checkRunId : undefined;
    let queueShown = false;
    setHandler(lockPositionSignal, (p) => void (position = p.position));
    lockRequested = true;
    await requestLock({ lockId, requester: workflowInfo().workflowId, label: `#${input.scope.number ?? '?'}` });
    while (position !== 0 || approvedHeadMoved()) {
      if (approvedHeadMoved()) {
        await releaseLock(lockId);
        lockRequested = false;
        const [moved, sha] = [box.state.newHead!, input.scope.headSha!];
        if (input.scope.number !== undefined)
          await forge.postComment({
            ...target,
            issueNumber: input.scope.number,
            body: `New push \`${moved.slice(0, 7)}\`: the approved deploy of \`${sha.slice(0, 7)}\` to \`${env}\` was still waiting for the lock, and its ${approval!.approvals.length} approval(s) no longer count. Request the deploy again for the new commit.`,
          });
        if (queuedCheck)
          await forge.updateCheckRun({
            ...deployCheck,
            checkRunId: queuedCheck,
            conclusion: 'cancelled',
            output: { title: `deploy ${env}: superseded by a push`, summary: 'Left the queue.' },
          });
        approval = { decision: 'invalidated', approvals: [], detail: moved };
        return { flow: input.flow, status: 'superseded while queued', nodes: records, approval };
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
    if (queuedCheck && queuedCheck === approval?.checkRunId) {
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
    if (err instanceof TemporalFailure) throw err;
    const failure = ApplicationFailure.nonRetryable(
      `flow "${input.flow}" failed: ${(err as Error).message}`,
      'FlowError',
    );
    if (approval?.checkRunId) {
      const checkRunId = approval.checkRunId;
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

  async function walk(): Promise<FlowRunResult> {
    let current: string | undefined = 'start';
    for (let step = 0; current; step++) {
      if (step >= MAX_STEPS)
        throw ApplicationFailure.nonRetryable(`flow "${input.flow}" ran ${MAX_STEPS} steps without ending`);
      const node = nodes.get(current)!;
      // The lock before the first node that acts; an approval after it waits holding the lock.
      if (lockAfterApproval && !lockRequested && !LOCK_FREE_NODES.has(node.type)) {
        const early = await queueForLock(lockId!);
        if (early) return early;
      }
      const startedAt = Date.now();
      setCurrentDetails(
        `flow ${input.flow}: node ${current} (${node.type})\n\n${records.map((r) => `${r.node}: ${r.output} (${r.ms} ms)`).join('\n')}`,
      );
      const output = await run(current);
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

    if (approval?.checkRunId) {
      const ok = status === 'completed' || status === 'deployed' || status === 'success';
      await forge.updateCheckRun({
        ...deployCheck,
        checkRunId: approval.checkRunId,
        conclusion: ok ? 'success' : 'failure',
        output: { title: `deploy ${env}: ${status}`, summary: records.map((r) => `${r.node}: ${r.output}`).join('\n') },
      });
    }
    if (input.scope.number !== undefined && records.length > 1) {
      const record = approval?.approvals.length
        ? `\n\n**Approvals**\n\n| approver | when | commit | permission | via |\n| --- | --- | --- | --- | --- |\n${approval.approvals.map((a) => `| @${a.login} | ${a.at} | \`${a.sha.slice(0, 7)}\` | ${a.permission} | ${a.via} |`).join('\n')}`
        : '';
      await forge.postComment({
        ...target,
        issueNumber: input.scope.number,
        body: `### Flow \`${input.flow}\` for \`${env}\`: ${status}\n\n| node | result | duration |\n| --- | --- | --- |\n${records.map((r) => `| ${r.node} (${r.type}) | ${r.output.split('\n')[0]!.slice(0, 80)} | ${r.ms} ms |`).join('\n')}${record}`,
      });
    }
    setState(status);
    return { flow: input.flow, status, nodes: records, approval };
  }
}

/** Leaves the environment's queue, or hands the lock on; however the flow ended. */
async function releaseLock(lockId: string): Promise<void> {
  await getExternalWorkflowHandle(lockId)
    .signal(lockReleaseSignal, { requester: workflowInfo().workflowId })
    .catch(() => undefined);
}
