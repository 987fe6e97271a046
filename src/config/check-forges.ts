// What a forge cannot do, said at validation time (DESIGN.md: "a forge that lacks a verb says so").
// Bitbucket pull requests have no labels, so for a Bitbucket Trigger:
// - a flow step that adds labels, or a binding whose `params` ask for labels, is an error: it would fail
//   or silently do nothing on every event;
// - an agent that has a label tool (directly, as a fleet member that keeps its tools, or in a flow step)
//   is a warning: it runs without that tool there and may still do the rest of its job.
// - a gate whose `report` asks for review threads is a warning: its findings stay in the check there.
// A Trigger of a forge whose `platforms.<forge>.enabled` is false gets a warning: it receives nothing.
import { FORGES, type ForgeVerb } from './forges.js';
import type { Resources } from './load.js';
import { problemAt, type Sourced } from './parse-resources.js';
import type { ConfigProblem } from './problems.js';
import type { BindingSpec, Trigger } from './schema.js';
import type { ForgeName } from '../forges/port.js';
import { TOOLS } from '../agents/tools.js';

/** How each verb shows in the configuration: agent tools, flow `github` node actions, binding params. */
const VERB_USES: Record<
  ForgeVerb,
  {
    noun: string;
    tools: readonly string[];
    flowActions: readonly string[];
    params: readonly string[];
  }
> = {
  labels: {
    noun: 'labels',
    tools: TOOLS.filter((t) => t.needs.labels).map((t) => t.name),
    flowActions: ['label'],
    params: ['labels'],
  },
  // Nothing in a Trigger asks for it: the redelivery schedule says which Triggers it cannot watch.
  redelivery: { noun: 'redelivery of missed webhook deliveries', tools: [], flowActions: [], params: [] },
};

type PathItem = string | number;

/** The agent tools a forge cannot serve (Bitbucket's label tools): a run on that forge is not offered them. */
export function toolsLackedOn(forge: ForgeName): readonly string[] {
  const f = Object.values(FORGES).find((x) => x.id === forge);
  return (f?.lacks ?? []).flatMap((verb) => VERB_USES[verb].tools);
}

export function forgeProblems(res: Resources): { problems: ConfigProblem[]; warnings: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const warnings: ConfigProblem[] = [];
  for (const t of res.triggers) {
    const type = t.resource.spec.type;
    const forge = FORGES[type];
    const platform = res.daemon.spec.platforms[forge.id];
    if (platform && platform.enabled === false)
      warnings.push(
        problemAt(
          t,
          ['spec', 'type'],
          `Trigger "${t.resource.metadata.name}": platforms.${forge.id}.enabled is false, so this Trigger receives no events`,
        ),
      );
    for (const verb of forge.lacks) {
      const { error, warn } = lacking(res, t, verb);
      problems.push(...error);
      warnings.push(...warn);
    }
    if (
      'noApproverGroups' in forge &&
      !forge.readsApproverGroups(t.resource.spec.config as Record<string, unknown>, platform as Record<string, unknown>)
    )
      problems.push(...groupApprovers(res, t, forge.noApproverGroups));
  }
  return { problems, warnings };
}

/** Approvers named by group (an entry with a slash) where the forge cannot read a group's members: errors. */
function groupApprovers(res: Resources, t: Sourced<Trigger>, why: string): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const check = (path: PathItem[], where: string, approvers: unknown) => {
    for (const a of Array.isArray(approvers) ? approvers : [])
      if (typeof a === 'string' && a.includes('/'))
        out.push(
          problemAt(t, path, `Trigger "${t.resource.metadata.name}", ${where}: approver "${a}" is a group, and ${why}`),
        );
  };
  for (const [key, b] of Object.entries(t.resource.spec.commands ?? {})) {
    const path = ['spec', 'commands', key];
    check([...path, 'params', 'approvers'], `${key} params.approvers`, b.params?.approvers);
    for (const n of (b.flow && res.flows.get(b.flow)?.resource.spec.nodes) || [])
      if (n.type === 'approval') check(path, `${key} flow "${b.flow}" step "${n.id}"`, n.config?.approvers);
  }
  return out;
}

function lacking(
  res: Resources,
  t: Sourced<Trigger>,
  verb: ForgeVerb,
): { error: ConfigProblem[]; warn: ConfigProblem[] } {
  const use = VERB_USES[verb];
  const error: ConfigProblem[] = [];
  const warn: ConfigProblem[] = [];
  const spec = t.resource.spec;
  const lacks = `${spec.type} has no ${use.noun}`;
  const who = (key: string) => `Trigger "${t.resource.metadata.name}", ${key}`;

  /** An agent's tools for this verb: a warning at the binding naming them. */
  const agentTools = (path: PathItem[], key: string, agent: string, via = '') => {
    const tools = (res.agents.get(agent)?.resource.spec.tools ?? []).filter((x) => use.tools.includes(x));
    if (tools.length)
      warn.push(
        problemAt(
          t,
          path,
          `${who(key)}: agent "${agent}"${via} has ${tools.join(', ')}, and ${lacks}: it runs without ${tools.length > 1 ? 'them' : 'it'} on ${spec.type}`,
        ),
      );
  };
  const fleetTools = (path: PathItem[], key: string, fleet: string, via = '') => {
    const f = res.fleets.get(fleet)?.resource.spec;
    if (!f?.members_write) return; // members of a fleet post nothing of their own: they have no tools
    for (const m of f.agents) agentTools(path, key, m.agent ?? m.name, `${via} (member of fleet "${fleet}")`);
  };
  const binding = (path: PathItem[], key: string, b: BindingSpec) => {
    for (const p of use.params)
      if (b.params && p in b.params)
        error.push(problemAt(t, [...path, 'params', p], `${who(key)}: params.${p} asks for ${use.noun}, and ${lacks}`));
    if (b.agent) agentTools(path, key, b.agent);
    if (b.fleet) fleetTools(path, key, b.fleet);
    if (b.flow) {
      for (const n of res.flows.get(b.flow)?.resource.spec.nodes ?? []) {
        const c = n.config ?? {};
        if (n.type === 'github' && use.flowActions.includes(String(c.action)))
          error.push(
            problemAt(
              t,
              path,
              `${who(key)}: flow "${b.flow}" step "${n.id}" (${n.type} ${String(c.action)}) needs ${use.noun}, and ${lacks}`,
            ),
          );
        if (n.type === 'agent' && typeof c.agent === 'string')
          agentTools(path, key, c.agent, ` in flow "${b.flow}" step "${n.id}"`);
        if (n.type === 'fleet' && typeof c.fleet === 'string')
          fleetTools(path, key, c.fleet, ` in flow "${b.flow}" step "${n.id}"`);
      }
    }
  };
  for (const [key, b] of Object.entries(spec.commands ?? {})) binding(['spec', 'commands', key], key, b);
  if (spec.default_agent) agentTools(['spec', 'default_agent'], 'default_agent', spec.default_agent);
  return { error, warn };
}
