// Resolves a routing decision against the loaded resources into a workflow's input. Done outside the
// workflow so a running workflow keeps the resources it started with.
import type { Resources } from '../config/load.js';
import type { Agent, Fleet } from '../config/schema.js';
import type { RoutedEventInput } from '../../workflows/types.js';
import type { UntrustedContent } from '../agents/prompt.js';
import type { ForgeEvent, ForgeName } from '../forges/port.js';
import { toolsLackedOn } from '../config/check-forges.js';
import { bindsUndefined } from '../config/problems.js';
import type { RouteDecision, Routed } from './route.js';
import type { DeliveryIdentity } from '../ingress/identity.js';

/**
 * Why a routed target cannot run: the Trigger names an agent, fleet, flow or gate that is not defined
 * (loading warned of it). Undefined when it is defined.
 */
export function undefinedTarget(res: Resources, decision: Routed): string | undefined {
  const { kind, name } = decision.target;
  const map: Map<string, unknown> = { agent: res.agents, fleet: res.fleets, flow: res.flows, gate: res.gates }[kind];
  return map.has(name) ? undefined : `${decision.trigger}: ${bindsUndefined(decision.key, kind, name)}`;
}

/**
 * A routing decision whose target is defined, or the event answered "unhandled" with the reason: call it
 * on `route`'s decision before `workflowInput`, so nothing is started for a target that does not exist.
 */
export function withDefinedTarget(res: Resources, decision: RouteDecision): RouteDecision {
  if (!decision.matched) return decision;
  const reason = undefinedTarget(res, decision);
  return reason === undefined ? decision : { matched: false, reason, metadata: decision.metadata };
}

function flowFleets(res: Resources, flow: string): Record<string, Fleet['spec']> {
  const out: Record<string, Fleet['spec']> = {};
  for (const node of res.flows.get(flow)?.resource.spec.nodes ?? []) {
    const f = typeof node.config?.fleet === 'string' ? res.fleets.get(node.config.fleet) : undefined;
    if (f) out[f.resource.metadata.name] = f.resource.spec;
  }
  return out;
}

/** The agents a run may call, each without the tools its forge lacks (validation warned of them). */
function agentsFor(res: Resources, decision: Routed, forge: ForgeName): Record<string, Agent['spec']> {
  const names = new Set<string>();
  const { kind, name } = decision.target;
  if (kind === 'agent') names.add(name);
  if (kind === 'fleet') {
    const fleet = res.fleets.get(name)?.resource.spec;
    for (const m of fleet?.agents ?? []) names.add(m.agent ?? m.name);
    if (fleet?.coordination.manager) names.add(fleet.coordination.manager);
  }
  if (kind === 'flow') {
    for (const node of res.flows.get(name)?.resource.spec.nodes ?? []) {
      const agent = node.config?.agent;
      if (typeof agent === 'string') names.add(agent);
      if (typeof node.config?.fleet === 'string')
        for (const m of res.fleets.get(node.config.fleet)?.resource.spec.agents ?? []) names.add(m.agent ?? m.name);
    }
  }
  const lacked = toolsLackedOn(forge);
  const out: Record<string, Agent['spec']> = {};
  for (const n of names) {
    const spec = res.agents.get(n)?.resource.spec;
    if (spec)
      out[n] = lacked.some((t) => spec.tools.includes(t))
        ? { ...spec, tools: spec.tools.filter((t) => !lacked.includes(t)) }
        : spec;
  }
  return out;
}

/** A text users wrote, cut at `max` characters and marked where it was cut. */
export const clip = (s: unknown, max: number) =>
  typeof s === 'string' ? (s.length > max ? `${s.slice(0, max)}\n[…cut at ${max} characters]` : s) : undefined;

/** What users wrote, bounded: it reaches models only as delimited data. */
export function untrustedContent(payload: Record<string, any>): UntrustedContent {
  const subject = payload.pull_request ?? payload.issue;
  const labels = (subject?.labels ?? []).map((l: { name?: string }) => l.name).filter(Boolean);
  return {
    title: clip(subject?.title, 1000),
    body: clip(subject?.body, 20_000),
    comment: clip(payload.comment?.body, 20_000),
    ...(labels.length ? { labels } : {}),
  };
}

export function workflowInput(
  res: Resources,
  decision: Routed,
  deliveryId: string,
  ev: ForgeEvent,
  data: UntrustedContent,
  identity?: Pick<DeliveryIdentity, 'installationBound'>,
): RoutedEventInput {
  const runtime = res.daemon.spec.runtime;
  return {
    deliveryId,
    ...(ev.forge !== 'github' ? { forge: ev.forge } : {}),
    event: ev.event,
    action: ev.action,
    trigger: decision.trigger,
    key: decision.key,
    args: decision.args,
    target: decision.target,
    // A protection rule's flow acts on the environment GitHub asks about (its answer names it).
    params:
      ev.protectionRule && decision.target.kind === 'flow'
        ? { ...decision.params, environment: ev.protectionRule.environment }
        : decision.params,
    metadata: decision.metadata,
    data,
    agents: agentsFor(res, decision, ev.forge),
    fleet: decision.target.kind === 'fleet' ? res.fleets.get(decision.target.name)?.resource.spec : undefined,
    gate: decision.target.kind === 'gate' ? res.gates.get(decision.target.name)?.resource.spec : undefined,
    flow: decision.target.kind === 'flow' ? res.flows.get(decision.target.name)?.resource.spec : undefined,
    fleets: decision.target.kind === 'flow' ? flowFleets(res, decision.target.name) : undefined,
    prAuthor: ev.changeAuthor,
    ...(ev.changeAuthorId !== undefined ? { prAuthorId: ev.changeAuthorId } : {}),
    review: decision.target.kind === 'gate' ? ev.review : undefined,
    ...(decision.target.kind === 'gate' && ev.mergeGroup ? { mergeGroup: ev.mergeGroup } : {}),
    ...(decision.target.kind === 'gate' && ev.sender ? { sender: ev.sender.login } : {}),
    ...(decision.target.kind === 'flow' && ev.protectionRule
      ? { protectionRule: { ...ev.protectionRule, requestedAt: new Date().toISOString() } }
      : {}),
    installationBound: identity?.installationBound ?? false,
    detailsUrlBase: res.daemon.spec.temporal.web_ui_url
      ? `${res.daemon.spec.temporal.web_ui_url.replace(/\/$/, '')}/namespaces/${res.daemon.spec.temporal.namespace}/workflows`
      : undefined,
    githubTaskQueue: res.daemon.spec.temporal.github_task_queue,
    tokenBudget: runtime.token_budget_per_run,
    modelTurnTimeoutSecs: runtime.model_turn_timeout_secs,
    taskTimeoutSecs: runtime.task_timeout_secs,
    maxFilePages: runtime.max_file_pages,
    // Agent and fleet runs count against their budget windows (the workflow counts them); gates have
    // their quota, flows their approvals.
    ...(decision.target.kind === 'agent' || decision.target.kind === 'fleet'
      ? { budgets: { ...res.daemon.spec.budgets } }
      : {}),
  };
}
