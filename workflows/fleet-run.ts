// A fleet: several agents, each run as a child workflow, in one of four coordination modes. A member's
// failure is reported beside the others' results, never instead of them.
import { forgeOf, forgeTargetOf } from '../src/forges/port.js';
import { deprecatePatch, executeChild, workflowInfo } from '@temporalio/workflow';
import { publicFailure } from '../src/agents/public-error.js';
import { decide, verdictOf, type Decision } from '../src/agents/consensus.js';
import { fleetReport, type MemberOutcome } from '../src/agents/fleet-report.js';
import type { Agent, Fleet } from '../src/config/schema.js';
import { agentRunWorkflow, type AgentRunInput } from './agent-run.js';
import { markRun } from './run-attributes.js';
import { forgeActivities } from './activities.js';
import { mapLimit } from './map-limit.js';

export interface FleetRunInput {
  fleet: string;
  spec: Fleet['spec'];
  agents: Record<string, Agent['spec']>;
  /** The agent-run input every member shares (event, scope, budget); each member adds its own. */
  base: Omit<AgentRunInput, 'agentName' | 'spec' | 'postAnswer'>;
  postAnswer: boolean;
}

export interface FleetRunResult {
  fleet: string;
  mode: string;
  outcomes: MemberOutcome[];
  decision?: Decision;
  answer: string;
  commentId?: number;
}

type Member = Fleet['spec']['agents'][number];

/** The innermost failure (child workflow → activity → the API's own message). */
function rootCause(err: unknown): Error {
  let e = err as Error & { cause?: unknown };
  while (e.cause instanceof Error) e = e.cause as Error & { cause?: unknown };
  return e;
}

export async function fleetRunWorkflow(input: FleetRunInput): Promise<FleetRunResult> {
  const { spec } = input;
  const s = input.base.scope;
  const setState = markRun(
    'fleetRunWorkflow',
    { kind: 'fleet', forge: forgeOf(s), repository: `${s.owner}/${s.repo}`, number: s.number },
    'running',
  );
  const mode = spec.coordination.mode;
  const limit = spec.coordination.max_concurrency ?? 4;
  let step = 0;
  // Members write only through the fleet's one comment unless the fleet allows them; their failures are
  // shown by kind, the real error stays in this workflow's result.
  deprecatePatch('fleet-members-read-only-errors-sanitized');

  const run = async (m: Member, previous: MemberOutcome[], args?: string): Promise<MemberOutcome> => {
    const agent = m.agent ?? m.name;
    const child: AgentRunInput = {
      ...input.base,
      agentName: agent,
      spec: !spec.members_write ? { ...input.agents[agent]!, tools: [] } : input.agents[agent]!,
      postAnswer: false,
      args: args ?? input.base.args,
      data: {
        ...input.base.data,
        previous: previous.filter((p) => p.ok).map((p) => ({ agent: p.member, answer: p.answer! })),
      },
    };
    const childId = `${workflowInfo().workflowId}/${++step}-${m.name}`;
    try {
      const r = await executeChild(agentRunWorkflow, { workflowId: childId, args: [child] });
      return { member: m.name, agent, ok: true, answer: r.answer };
    } catch (err) {
      const cause = rootCause(err) as Error & { type?: string };
      return {
        member: m.name,
        agent,
        ok: false,
        error: cause.message,
        publicError: `failed: ${publicFailure(cause.type, childId)}`,
      };
    }
  };
  const parallel = (members: Member[], previous: MemberOutcome[]) => mapLimit(members, limit, (m) => run(m, previous));

  let outcomes: MemberOutcome[] = [];
  let decision: Decision | undefined;
  let final: { agent: string; answer: string } | undefined;
  if (mode === 'peer') {
    outcomes = await parallel(spec.agents, []);
    if (spec.coordination.consensus) {
      const votes = spec.agents.flatMap((m, i) =>
        outcomes[i]!.ok ? [{ member: m.name, verdict: verdictOf(outcomes[i]!.answer!), weight: m.weight ?? 1 }] : [],
      );
      decision = decide(spec.coordination.consensus, votes);
    }
  } else if (mode === 'pipeline') {
    for (const m of spec.agents) outcomes.push(await run(m, outcomes));
    const last = outcomes[outcomes.length - 1]!;
    if (last.ok) final = { agent: last.member, answer: last.answer! };
  } else if (mode === 'tiered') {
    const tiers = [...new Set(spec.agents.map((m) => m.tier ?? 0))].sort((a, b) => a - b);
    for (const tier of tiers)
      outcomes.push(
        ...(await parallel(
          spec.agents.filter((m) => (m.tier ?? 0) === tier),
          outcomes,
        )),
      );
  } else {
    // hierarchical: the manager plans, the workers execute with the plan, the manager synthesizes.
    const managerName = spec.coordination.manager!;
    const manager: Member = spec.agents.find((m) => m.name === managerName) ?? { name: managerName };
    const plan = await run(manager, [], 'plan');
    const workers = await parallel(
      spec.agents.filter((m) => m.name !== managerName),
      plan.ok ? [plan] : [],
    );
    const synthesis = await run(manager, workers, 'synthesize');
    outcomes = [plan, ...workers, synthesis];
    if (synthesis.ok) final = { agent: managerName, answer: synthesis.answer! };
  }

  const answer = fleetReport(input.fleet, mode, outcomes, decision, final);
  let commentId: number | undefined;
  if (input.postAnswer && s.number !== undefined) {
    const forge = forgeActivities(input.base.githubTaskQueue);
    commentId = (
      await forge.postComment({
        ...forgeTargetOf(s),
        issueNumber: s.number,
        body: answer,
      })
    ).id;
  }
  setState('completed');
  return { fleet: input.fleet, mode, outcomes, decision, answer, commentId };
}
