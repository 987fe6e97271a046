// Resolves a routing decision against the loaded resources into a workflow's input. Done outside the
// workflow so a running workflow keeps the resources it started with.
import type { Resources } from '../config/load.js';
import type { Agent } from '../config/schema.js';
import type { RoutedEventInput } from '../../workflows/types.js';
import type { Routed } from './route.js';

function agentsFor(res: Resources, decision: Routed): Record<string, Agent['spec']> {
  const names = new Set<string>();
  const { kind, name } = decision.target;
  if (kind === 'agent') names.add(name);
  if (kind === 'fleet') for (const m of res.fleets.get(name)?.resource.spec.agents ?? []) names.add(m.agent ?? m.name);
  if (kind === 'flow') {
    for (const node of res.flows.get(name)?.resource.spec.nodes ?? []) {
      const agent = node.config?.agent;
      if (typeof agent === 'string') names.add(agent);
    }
  }
  const out: Record<string, Agent['spec']> = {};
  for (const n of names) {
    const a = res.agents.get(n);
    if (a) out[n] = a.resource.spec;
  }
  return out;
}

export function workflowInput(res: Resources, decision: Routed, deliveryId: string, event: string, action: string | undefined): RoutedEventInput {
  return {
    deliveryId,
    event,
    action,
    trigger: decision.trigger,
    key: decision.key,
    args: decision.args,
    target: decision.target,
    params: decision.params,
    metadata: decision.metadata,
    agents: agentsFor(res, decision),
    githubTaskQueue: res.daemon.spec.temporal.github_task_queue,
  };
}
