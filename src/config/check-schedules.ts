// What a Schedule Trigger's run needs, checked at load. Nothing answers a scheduled run "unhandled", so
// its target (an agent, fleet or flow) must be defined. A run acts only on what its `params` name: without
// an issue or pull request, a tool that comments, labels, reviews or reports a check has nothing to act on,
// and reviews, checks and approvals need a pull request. A gate reviews each open pull request of the repository.
import { toolRecord } from '../agents/tools.js';
import type { Resources } from './load.js';
import { problemAt, type Sourced } from './parse-resources.js';
import { bindsUndefined, didYouMean, type ConfigProblem } from './problems.js';
import { scheduleTargetOf, type ScheduleTrigger } from './schema.js';

/** The binding a Schedule Trigger runs: `commands.schedule`, else `default_agent`. */
export function scheduleBinding(s: ScheduleTrigger['spec']): {
  key: string;
  kind: 'agent' | 'fleet' | 'flow' | 'gate';
  name: string;
} {
  const b = s.commands?.schedule;
  if (b?.gate) return { key: 'schedule', kind: 'gate', name: b.gate };
  if (b?.fleet) return { key: 'schedule', kind: 'fleet', name: b.fleet };
  if (b?.flow) return { key: 'schedule', kind: 'flow', name: b.flow };
  if (b?.agent) return { key: 'schedule', kind: 'agent', name: b.agent };
  return { key: 'default_agent', kind: 'agent', name: s.default_agent! };
}

/** What a run of this target may do that needs a target: each use named, with the tool or step. */
function uses(
  res: Resources,
  kind: 'agent' | 'fleet' | 'flow',
  name: string,
): { what: string; tool?: string; approval?: boolean }[] {
  const out: { what: string; tool?: string; approval?: boolean }[] = [];
  const agent = (a: string, via: string) => {
    for (const tool of res.agents.get(a)?.resource.spec.tools ?? [])
      if (toolRecord(tool)) out.push({ what: `agent "${a}"${via} has ${tool}`, tool });
  };
  const fleet = (f: string, via: string) => {
    const spec = res.fleets.get(f)?.resource.spec;
    // Members of a fleet post nothing of their own unless members_write says so.
    if (spec?.members_write) for (const m of spec.agents) agent(m.agent ?? m.name, ` (member of fleet "${f}"${via})`);
  };
  if (kind === 'agent') agent(name, '');
  if (kind === 'fleet') fleet(name, '');
  if (kind === 'flow')
    for (const n of res.flows.get(name)?.resource.spec.nodes ?? []) {
      const c = n.config ?? {};
      const via = ` in flow "${name}" step "${n.id}"`;
      if (n.type === 'agent' && typeof c.agent === 'string') agent(c.agent, via);
      if (n.type === 'fleet' && typeof c.fleet === 'string') fleet(c.fleet, via);
      if (n.type === 'github') out.push({ what: `flow "${name}" step "${n.id}" (github ${String(c.action)})` });
      if (n.type === 'approval') out.push({ what: `flow "${name}" step "${n.id}" (an approval)`, approval: true });
    }
  return out;
}

export function scheduleProblems(res: Resources): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const t of res.schedules) problems.push(...problemsOf(res, t));
  return problems;
}

function problemsOf(res: Resources, t: Sourced<ScheduleTrigger>): ConfigProblem[] {
  const spec = t.resource.spec;
  const who = `Trigger "${t.resource.metadata.name}"`;
  const { key, kind, name } = scheduleBinding(spec);
  const path = key === 'default_agent' ? ['spec', 'default_agent'] : ['spec', 'commands', 'schedule', kind];
  const map: Map<string, unknown> = { agent: res.agents, fleet: res.fleets, flow: res.flows, gate: res.gates }[kind];
  if (!map.has(name))
    return [problemAt(t, path, `${who}: ${bindsUndefined(key, kind, name)}${didYouMean(name, map.keys())}`)];
  // A gate's firing names each open pull request itself (the schema asked for params.repository).
  if (kind === 'gate') return [];
  const target = scheduleTargetOf(spec);
  const where = spec.params ? ['spec', 'params'] : path;
  const problems: ConfigProblem[] = [];
  // A sweep of environment locks acts on the repository's locks: it needs the repository, no more.
  const sweep = kind === 'flow' && res.flows.get(name)?.resource.spec.nodes.find((n) => n.type === 'lock_sweep');
  if (sweep && target.repository === undefined)
    problems.push(
      problemAt(
        t,
        where,
        `${who}: flow "${name}" step "${sweep.id}" (a lock_sweep) sweeps a repository's locks; name it with params.repository`,
      ),
    );
  for (const use of uses(res, kind, name)) {
    if (target.issue_number === undefined && target.pull_number === undefined)
      problems.push(
        problemAt(
          t,
          where,
          `${who}: ${use.what}, which needs an issue or pull request to act on; name one in params (repository and issue_number or pull_number)`,
        ),
      );
    else if (target.pull_number === undefined && (use.approval || (use.tool && toolRecord(use.tool)?.needs.pull)))
      problems.push(
        problemAt(t, where, `${who}: ${use.what}, which needs a pull request; name it with params.pull_number`),
      );
  }
  return problems;
}
