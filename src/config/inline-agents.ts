// Fleet members defined in place (AOF's `agents[].spec`, or a member's own `model`) become Agents like
// any other, named `<fleet>.<member>`, and the member then names that agent: the routing and fleet code see
// only referenced agents, and every check of an agent (model, tools, templates) applies to them, pointing
// at the lines of the fleet file.
import { derivedResource, type Sourced } from './parse-resources.js';
import { AgentSpec, type Agent, type Fleet } from './schema.js';

type PathItem = string | number;

/** The inline agents of a fleet; its inline members are rewritten to reference them. */
export function inlineAgents(fleet: Sourced<Fleet>): Sourced<Agent>[] {
  const out: Sourced<Agent>[] = [];
  fleet.resource.spec.agents.forEach((m, i) => {
    if (m.spec === undefined && m.model === undefined) return;
    const name = `${fleet.resource.metadata.name}.${m.name}`;
    const member: PathItem[] = ['spec', 'agents', i];
    const spec = m.spec ?? AgentSpec.parse({ model: m.model });
    const inSpec = m.spec !== undefined; // read now: the member is rewritten below
    const toParent = (path: PathItem[]): PathItem[] =>
      inSpec
        ? path[0] === 'spec'
          ? [...member, ...path]
          : member
        : path.join('.') === 'spec.model'
          ? [...member, 'model']
          : member;
    const agent: Agent = {
      apiVersion: fleet.resource.apiVersion,
      kind: 'Agent',
      metadata: { name, labels: { 'aof.dev/fleet': fleet.resource.metadata.name } },
      spec,
    };
    out.push(derivedResource(fleet, agent, toParent));
    m.agent = name;
    delete m.spec;
    delete m.model;
  });
  return out;
}
