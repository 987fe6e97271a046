// `agent`: runs one agent as a child workflow; it sees the outputs of the nodes before it.
import { executeChild, workflowInfo } from '@temporalio/workflow';
import { didYouMean } from '../../src/config/problems.js';
import type { agentRunWorkflow } from '../agent-run.js';
import { defineNode, type ConfigProblem } from './node-type.js';

/** A node naming an agent or fleet: whether that resource is defined. */
export const definedIn = (kind: 'agent' | 'fleet', name: string, known: Set<string>): ConfigProblem[] =>
  known.has(name)
    ? []
    : [{ key: `config.${kind}`, message: `${kind} "${name}" is not defined${didYouMean(name, known)}` }];

export const agentNode = defineNode({
  type: 'agent',
  acts: true,
  config: (z) => z.looseObject({ agent: z.string({ error: 'an agent node needs config.agent' }) }),
  check: (c, graph) => definedIn('agent', c.agent, graph.agents),
  async run({ id, config }, flow) {
    const name = String(config.agent);
    const r = await executeChild<typeof agentRunWorkflow>('agentRunWorkflow', {
      workflowId: `${workflowInfo().workflowId}/${id}-${flow.records.length}`,
      args: [
        {
          ...flow.base,
          agentName: name,
          spec: flow.input.agents[name]!,
          postAnswer: false,
          data: { ...flow.input.data, previous: [...flow.outputs].map(([agent, answer]) => ({ agent, answer })) },
        },
      ],
    });
    // Set only by an agent with output_schema, which old runs' specs never had (the loader refused it).
    if (r.output !== undefined) flow.typedOutputs.set(id, r.output);
    return r.answer;
  },
});
