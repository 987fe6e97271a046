// `fleet`: runs a fleet of agents as a child workflow.
import { executeChild, workflowInfo } from '@temporalio/workflow';
import type { fleetRunWorkflow } from '../fleet-run.js';
import { definedIn } from './agent.js';
import { defineNode } from './node-type.js';

export const fleetNode = defineNode({
  type: 'fleet',
  acts: true,
  config: (z) => z.looseObject({ fleet: z.string({ error: 'a fleet node needs config.fleet' }) }),
  check: (c, graph) => definedIn('fleet', c.fleet, graph.fleets),
  async run({ id, config }, flow) {
    const name = String(config.fleet);
    const r = await executeChild<typeof fleetRunWorkflow>('fleetRunWorkflow', {
      workflowId: `${workflowInfo().workflowId}/${id}-${flow.records.length}`,
      args: [
        { fleet: name, spec: flow.input.fleets[name]!, agents: flow.input.agents, base: flow.base, postAnswer: false },
      ],
    });
    return r.answer;
  },
});
