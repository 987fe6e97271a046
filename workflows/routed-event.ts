// One routed GitHub event: count an agent or fleet run against its budget window, gather the pull
// request's changes when there is one, then run the target agent or fleet, which answers on the issue or PR.
import { changeNoun, forgeTargetOf, type ForgeName } from '../src/forges/port.js';
import { changeFlowsPrefix, commitFlowsPrefix, repositoryKey } from '../src/temporal/workflow-ids.js';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import {
  ApplicationFailure,
  deprecatePatch,
  executeChild,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setCurrentDetails,
  startChild,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { flowEnvironment } from '../src/flows/environment.js';
import { flowRunWorkflow, type FlowRunResult } from './flow-run.js';
import type { ToolScope } from '../src/agents/tools.js';
import { AofState } from '../src/temporal/search-attributes.js';
import { BUDGET_SLACK_MS, budgetWindow } from '../src/temporal/budget-window.js';
import type { BudgetActivities } from '../activities/quota/budget.js';
import { markRun } from './run-attributes.js';
import { forgeActivities } from './activities.js';
import { agentRunWorkflow, type AgentRunInput } from './agent-run.js';
import { fleetRunWorkflow } from './fleet-run.js';
import { replyWorkflow } from './reply.js';
import type { OverBudget, RoutedEventInput, RoutedEventResult } from './types.js';

const { spendBudget } = proxyActivities<BudgetActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
});

/**
 * A flow on a pull or merge request, one per flow and environment (flows of different kinds and
 * environments run side by side on one change): `flow/<repository key>#<n>/<flow>/<environment>`; the
 * ingress finds them by the prefix (changeFlowsPrefix), so `/approve` comments reach them. The key names
 * the forge except on GitHub (repositoryKey), so a GitLab project and a GitHub repository of the same
 * path never share a flow.
 */
export const flowRunWorkflowId = (
  repoFullName: string,
  number: number | undefined,
  deliveryId: string,
  flow: string,
  environment: string,
  forge: ForgeName = 'github',
) =>
  number !== undefined
    ? `${changeFlowsPrefix(repoFullName, number, forge)}/${flow}/${encodeURIComponent(environment).slice(0, 100)}`
    : `flow/${repositoryKey(repoFullName, forge)}/${deliveryId}`;

async function startFlow(
  input: RoutedEventInput,
  scope: ToolScope,
  data: RoutedEventInput['data'],
): Promise<FlowRunResult | undefined> {
  const forge = forgeActivities(input.githubTaskQueue);
  const m = input.metadata;
  // A deploy is for a commit: the PR's head when it was requested.
  if (scope.isPullRequest && !scope.headSha && scope.number !== undefined) {
    scope = {
      ...scope,
      headSha: (
        await forge.getPullHead({
          ...forgeTargetOf(scope),
          pullNumber: scope.number,
        })
      ).sha,
    };
  }
  deprecatePatch('flow-id-per-flow-and-environment');
  const environment = flowEnvironment(input.params, input.args);
  // Flows on another forge name it in their ids (flow runs started before did not).
  const idForge =
    input.forge && input.forge !== 'github' && patched('flow-and-lock-ids-name-their-forge') ? input.forge : undefined;
  const rule = input.protectionRule;
  // A protection rule's flow is one per Actions run as well (a new run of the same change and environment
  // asks again while an earlier request may still wait), found by its pull request or, without one, by
  // its commit, where `/approve` comments reach it. (Replay-safe: only protection rule deliveries carry
  // `protectionRule`, input no run started before this code had.)
  if (rule && !scope.headSha) scope = { ...scope, headSha: rule.sha };
  const repo = String(m.repo_full_name);
  const workflowId = !rule
    ? flowRunWorkflowId(repo, scope.number, input.deliveryId, input.target.name, environment, idForge)
    : `${scope.number !== undefined ? changeFlowsPrefix(repo, scope.number) : commitFlowsPrefix(repo, rule.sha)}/${input.target.name}/${encodeURIComponent(environment).slice(0, 100)}/run-${rule.runId}`;
  try {
    return await executeChild(flowRunWorkflow, {
      workflowId,
      args: [
        {
          flow: input.target.name,
          spec: input.flow!,
          metadata: m,
          data,
          args: input.args,
          params: input.params,
          scope,
          githubTaskQueue: input.githubTaskQueue,
          agents: input.agents,
          fleets: input.fleets ?? {},
          tokenBudget: input.tokenBudget,
          modelTurnTimeoutSecs: input.modelTurnTimeoutSecs,
          taskTimeoutSecs: input.taskTimeoutSecs,
          prAuthor: input.prAuthor,
          ...(input.prAuthorId !== undefined ? { prAuthorId: input.prAuthorId } : {}),
          ...(rule ? { protectionRule: rule } : {}),
        },
      ],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError && scope.number !== undefined) {
      const body = `Flow \`${input.target.name}\` for \`${environment}\` is already running on this ${changeNoun(scope)}; \`${input.key}\` was not started. Finish or \`/reject\` it first.`;
      await forge.postComment({
        ...forgeTargetOf(scope),
        issueNumber: scope.number,
        body,
      });
      return undefined;
    }
    throw err;
  }
}

function state(value: string, details: string) {
  upsertSearchAttributes([{ key: AofState, value }]);
  setCurrentDetails(details);
}

export async function routedEventWorkflow(input: RoutedEventInput): Promise<RoutedEventResult> {
  try {
    const result = await run(input);
    if (result.overBudget)
      state(
        'over budget',
        `${input.target.kind} ${input.target.name}: not run, the ${result.overBudget.over}'s budget is spent until ${result.overBudget.nextWindow}`,
      );
    else state('completed', `${input.target.kind} ${input.target.name}: done`);
    return result;
  } catch (err) {
    state('failed', `failed: ${(err as Error).message}`);
    throw err;
  }
}

/**
 * Counts this agent or fleet run against its repository owner's budget window and the sender's share of
 * it (spec.budgets as resolved at routing time). Over budget: one reply per pull request (or issue) and
 * window, whichever of the refused runs gets there first, and the refusal; the run then calls no model.
 */
async function overBudget(input: RoutedEventInput): Promise<OverBudget | undefined> {
  const budgets = input.budgets!;
  const m = input.metadata;
  // The owner and sender the ingress took from the delivery's verified identity.
  const owner = String(m.repo_owner ?? '');
  // The workflow clock: the same reading on every replay.
  const window = budgetWindow(Date.now(), budgets.window_minutes);
  const answer = await spendBudget({
    account: owner.toLowerCase() || '-',
    window: window.label,
    closesAt: window.end + BUDGET_SLACK_MS,
    // The delivery: a redelivery or a retried activity counts once.
    key: input.deliveryId,
    sender: String(m.sender_login ?? '-').toLowerCase(),
    perAccount: budgets.per_account,
    perSender: budgets.per_sender,
  });
  if (answer.allowed) return undefined;
  const refusal: OverBudget = {
    over: answer.over,
    window: window.label,
    nextWindow: new Date(window.end).toISOString(),
  };
  const number = m.pr_number ?? m.issue_number;
  if (typeof number === 'number' && owner && m.repo_name) {
    const whose =
      answer.over === 'sender'
        ? `@${String(m.sender_login)}'s budget of ${budgets.per_sender} agent runs`
        : `the budget of ${budgets.per_account} agent runs for ${owner}'s repositories`;
    try {
      // Once per pull request and window: Temporal refuses a second start of this id.
      await startChild(replyWorkflow, {
        workflowId: `reply/${answer.taskQueue}/budget/${owner}/${String(m.repo_name)}#${number}/${window.label}`,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        parentClosePolicy: ParentClosePolicy.ABANDON,
        args: [
          {
            owner,
            repo: String(m.repo_name),
            installationId: typeof m.installation_id === 'number' ? m.installation_id : undefined,
            issueNumber: number,
            body: `Budget used up: ${whose} per ${budgets.window_minutes} minutes is spent, so \`${input.key}\` was not started. The next window starts at ${refusal.nextWindow}. Further requests until then are not answered.`,
            githubTaskQueue: input.githubTaskQueue,
          },
        ],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
  return refusal;
}

/** Bytes of diff an agent reads; every model turn carries it, so it stays far below the payload limit. */
const AGENT_DIFF_BUDGET = 60_000;

async function run(input: RoutedEventInput): Promise<RoutedEventResult> {
  const { target, metadata: m } = input;
  const subject = m.pr_number ?? m.issue_number;
  markRun(
    'routedEventWorkflow',
    {
      kind: 'event',
      forge: input.forge ?? 'github',
      repository: m.repo_full_name ? String(m.repo_full_name) : undefined,
      number: typeof subject === 'number' ? subject : undefined,
    },
    'running',
  );
  state('running', `${target.kind} ${target.name}: starting`);
  // Agent and fleet runs within their budget windows; gates have their quota, flows their approvals.
  // (Runs started before budgets moved here have no `budgets`: the ingress counted them.)
  if ((target.kind === 'agent' || target.kind === 'fleet') && input.budgets && patched('agent-runs-within-budget')) {
    const refused = await overBudget(input);
    if (refused) return { target, overBudget: refused };
  }
  const number = m.pr_number ?? m.issue_number;
  const scope: ToolScope = {
    ...(input.forge ? { forge: input.forge } : {}),
    owner: String(m.repo_owner),
    repo: String(m.repo_name),
    installationId: typeof m.installation_id === 'number' ? m.installation_id : undefined,
    number: typeof number === 'number' ? number : undefined,
    isPullRequest: typeof m.pr_number === 'number',
    headSha: typeof m.pr_head_sha === 'string' ? m.pr_head_sha : undefined,
    checkRunIds: [],
  };
  const data = { ...input.data };
  if (scope.isPullRequest && scope.number !== undefined && target.kind !== 'flow') {
    const forge = forgeActivities(input.githubTaskQueue);
    const pull = {
      ...forgeTargetOf(scope),
      pullNumber: scope.number,
    };
    deprecatePatch('agent-diff-within-budget');
    // A pull request of any size: the diff the agents read is cut to a budget, marked where it ends.
    const diff = await forge.pullDiff({ ...pull, maxPages: input.maxFilePages, budgetBytes: AGENT_DIFF_BUDGET });
    data.files = diff.files;
    if (diff.note) data.diffNote = diff.note;
  }
  const base: Omit<AgentRunInput, 'agentName' | 'spec' | 'postAnswer'> = {
    metadata: m,
    data,
    args: input.args,
    scope,
    githubTaskQueue: input.githubTaskQueue,
    tokenBudget: input.tokenBudget,
    modelTurnTimeoutSecs: input.modelTurnTimeoutSecs,
    taskTimeoutSecs: input.taskTimeoutSecs,
  };
  if (target.kind === 'agent') {
    const spec = input.agents[target.name];
    if (!spec)
      throw ApplicationFailure.nonRetryable(
        `agent "${target.name}" was not resolved at routing time`,
        'UnresolvedAgent',
      );
    return { target, agent: await agentRunWorkflow({ ...base, agentName: target.name, spec, postAnswer: true }) };
  }
  if (target.kind === 'flow' && input.flow) return { target, flow: await startFlow(input, scope, data) };
  if (target.kind === 'fleet' && input.fleet) {
    return {
      target,
      fleet: await fleetRunWorkflow({
        fleet: target.name,
        spec: input.fleet,
        agents: input.agents,
        base,
        postAnswer: true,
      }),
    };
  }
  throw ApplicationFailure.nonRetryable(
    `${target.kind} targets are not supported by this version (routed ${input.key} to ${target.kind} "${target.name}")`,
    'UnsupportedTarget',
  );
}
