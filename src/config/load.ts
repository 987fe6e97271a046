// Loads daemon.yaml and the resource directories it names, validates everything, checks references
// between resources, and throws one ConfigError listing every problem.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { TOOL_NAMES, toolRecord } from '../agents/tools.js';
import { validateFlow } from '../flows/validate.js';
import { templateVariables } from '../routing/template.js';
import { METADATA_VARIABLES } from '../routing/metadata.js';
import { CONTEXT_VARIABLES as GITLAB_VARIABLES } from '../forges/gitlab/webhook.js';
import { CONTEXT_VARIABLES as BITBUCKET_VARIABLES } from '../forges/bitbucket/webhook.js';

/** What an agent's instructions may name: AOF's variables for GitHub and its GitLab context variables. */
const INSTRUCTION_VARIABLES: readonly string[] = [
  ...new Set([...METADATA_VARIABLES, ...GITLAB_VARIABLES, ...BITBUCKET_VARIABLES]),
];
import { modelProblems } from './models.js';
import { memoryProblems } from './check-memory.js';
import { resolveMcpServers } from './check-mcp.js';
import { eventProblems } from './check-events.js';
import { forgeProblems } from './check-forges.js';
import { scheduleProblems } from './check-schedules.js';
import { inlineAgents } from './inline-agents.js';
import { parseResourceFile, problemAt, type ParseOptions, type Sourced } from './parse-resources.js';
import { bindsUndefined, ConfigError, didYouMean, type ConfigProblem } from './problems.js';
import {
  DaemonConfigResource,
  type Agent,
  type DaemonConfig,
  type Fleet,
  type Flow,
  type Gate,
  type ScheduleTrigger,
  type Trigger,
  type TriggerOf,
} from './schema.js';

export interface Resources {
  daemon: DaemonConfig;
  daemonFile: string;
  /**
   * What loads but deserves a word: entries of the resource folders that were skipped, keys AOF documents
   * that have no effect here, a verb a forge lacks.
   */
  warnings?: ConfigProblem[];
  /**
   * In routing order: by file path, then by position in the file. Every forge's Triggers: `spec.type`
   * says which (GitHub routing skips the others; `triggersOf` picks one forge's).
   */
  triggers: Sourced<Trigger>[];
  /** Triggers of `spec.type: Schedule`: Temporal Schedules run them (src/worker/trigger-schedules.ts). */
  schedules: Sourced<ScheduleTrigger>[];
  agents: Map<string, Sourced<Agent>>;
  fleets: Map<string, Sourced<Fleet>>;
  flows: Map<string, Sourced<Flow>>;
  gates: Map<string, Sourced<Gate>>;
}

/**
 * The YAML files of a resource folder, sorted. An entry that cannot be read (a dangling symlink such as
 * an editor's `.#x.yaml` lock file, a file without read permission) is skipped with a warning: one stray
 * entry must not stop a running ingress from reloading, nor hide the other problems.
 */
function yamlFiles(dir: string, warnings: ConfigProblem[]): { file: string; text: string }[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  const out: { file: string; text: string }[] = [];
  for (const f of entries.filter((e) => /\.ya?ml$/.test(e)).sort()) {
    const file = join(dir, f);
    try {
      if (!statSync(file).isFile()) continue;
      out.push({ file, text: readFileSync(file, 'utf8') });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'a link to a file that does not exist' : (e as Error).message;
      warnings.push({ file: display(file), line: 1, column: 1, path: '', message: `skipped: ${why}` });
    }
  }
  return out;
}

/** The resource folders a DaemonConfig names, read from the raw YAML: used when it is itself invalid. */
function rawDirectories(text: string): string[] {
  try {
    const spec = (
      parseAllDocuments(text)
        .map((d) => d.toJS() as any)
        .find((d) => d?.kind === 'DaemonConfig') ?? {}
    ).spec;
    return ['triggers', 'agents', 'fleets', 'flows', 'gates']
      .map((k) => spec?.[k])
      .filter((d) => d && typeof d.directory === 'string' && d.enabled !== false)
      .map((d) => d.directory as string);
  } catch {
    return [];
  }
}

function display(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

/** The Triggers of one forge, in routing order, typed as that forge's (its `spec.config` shape). */
export function triggersOf<T extends Trigger['spec']['type']>(res: Resources, type: T): Sourced<TriggerOf<T>>[] {
  return res.triggers.filter((t): t is Sourced<TriggerOf<T>> => t.resource.spec.type === type);
}

export function loadConfig(daemonPath: string, options: ParseOptions = {}): Resources {
  const problems: ConfigProblem[] = [];
  const daemonFile = resolve(daemonPath);
  let text: string;
  try {
    text = readFileSync(daemonFile, 'utf8');
  } catch (e) {
    throw new ConfigError([
      { file: display(daemonFile), line: 1, column: 1, path: '', message: `cannot read: ${(e as Error).message}` },
    ]);
  }
  const parsed = parseResourceFile(display(daemonFile), text, options);
  problems.push(...parsed.problems);
  const warnings: ConfigProblem[] = [...parsed.warnings];
  const daemons = parsed.resources.filter((r) => r.resource.kind === 'DaemonConfig');
  if (!parsed.problems.length && daemons.length !== 1) {
    problems.push({
      file: display(daemonFile),
      line: 1,
      column: 1,
      path: 'kind',
      message: 'must hold exactly one DaemonConfig',
    });
  }
  const base = dirname(daemonFile);
  if (problems.length) {
    // Still report the resource files' own problems, all at once.
    for (const dir of rawDirectories(text))
      for (const { file, text } of yamlFiles(resolve(base, dir), warnings)) {
        const r = parseResourceFile(display(file), text, options);
        problems.push(...r.problems);
        warnings.push(...r.warnings);
      }
    throw new ConfigError(problems, warnings);
  }
  const daemon = daemons[0]!.resource as unknown as DaemonConfig;

  const all: Sourced<any>[] = parsed.resources.filter((r) => r.resource.kind !== 'DaemonConfig');
  const dirs = new Set(
    [daemon.spec.triggers, daemon.spec.agents, daemon.spec.fleets, daemon.spec.flows, daemon.spec.gates]
      .filter((d) => d && d.enabled)
      .map((d) => resolve(base, d!.directory)),
  );
  for (const dir of [...dirs].sort()) {
    for (const { file, text } of yamlFiles(dir, warnings)) {
      const r = parseResourceFile(display(file), text, options);
      problems.push(...r.problems);
      warnings.push(...r.warnings);
      all.push(...r.resources);
    }
  }
  return assemble(daemon, daemonFile, base, all, problems, warnings);
}

/**
 * The DaemonConfig resource files are checked against when there is none (`aofctl validate <file or
 * folder>`): every forge's platform on, with its defaults.
 */
const STANDALONE_DAEMON = {
  apiVersion: 'aof.dev/v1',
  kind: 'DaemonConfig',
  metadata: { name: 'validate' },
  spec: { platforms: { github: { enabled: true }, gitlab: {}, bitbucket: {} } },
};

/**
 * Resource files without a DaemonConfig, as AOF's examples are written: each path a YAML file or a folder
 * (its YAML files, sub-folders included). Checked as `loadConfig` checks a daemon's resources, against a
 * DaemonConfig of defaults with every forge on; a DaemonConfig among them is refused.
 */
export function loadResourceFiles(paths: string[], options: ParseOptions = {}): Resources {
  const problems: ConfigProblem[] = [];
  const warnings: ConfigProblem[] = [];
  const all: Sourced<any>[] = [];
  const files: { file: string; text: string }[] = [];
  for (const p of paths.map((x) => resolve(x))) {
    const unreadable = (e: unknown) =>
      problems.push({
        file: display(p),
        line: 1,
        column: 1,
        path: '',
        message: `cannot read: ${(e as Error).message}`,
      });
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch (e) {
      unreadable(e);
      continue;
    }
    if (!isDir) {
      try {
        files.push({ file: p, text: readFileSync(p, 'utf8') });
      } catch (e) {
        unreadable(e);
      }
      continue;
    }
    for (const dir of [p, ...subfolders(p)]) files.push(...yamlFiles(dir, warnings));
  }
  for (const { file, text } of files) {
    const r = parseResourceFile(display(file), text, options);
    problems.push(...r.problems);
    warnings.push(...r.warnings);
    all.push(...r.resources);
  }
  const daemon = DaemonConfigResource.parse(STANDALONE_DAEMON) as DaemonConfig;
  const base = paths.length ? resolve(paths[0]!) : process.cwd();
  const baseDir = files.length && !statSync(base).isDirectory() ? dirname(base) : base;
  return assemble(daemon, join(baseDir, '(no DaemonConfig)'), baseDir, all, problems, warnings);
}

/** Every folder under `dir`, sorted, skipping hidden ones and node_modules. */
function subfolders(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return entries
    .filter((e) => !e.startsWith('.') && e !== 'node_modules')
    .map((e) => join(dir, e))
    .filter((d) => {
      try {
        return statSync(d).isDirectory();
      } catch {
        return false;
      }
    })
    .flatMap((d) => [d, ...subfolders(d)]);
}

/** The parsed resources into one checked set: by kind, inline agents made, references and forges checked. */
function assemble(
  daemon: DaemonConfig,
  daemonFile: string,
  base: string,
  all: Sourced<any>[],
  problems: ConfigProblem[],
  warnings: ConfigProblem[],
): Resources {
  const resources: Resources = {
    daemon,
    daemonFile,
    warnings,
    triggers: [],
    schedules: [],
    agents: new Map(),
    fleets: new Map(),
    flows: new Map(),
    gates: new Map(),
  };
  const byKind = {
    Agent: resources.agents,
    AgentFleet: resources.fleets,
    Fleet: resources.fleets,
    AgentFlow: resources.flows,
    Flow: resources.flows,
    GateCheck: resources.gates,
  } as const;
  // Inline fleet members are agents too, checked (and refused as duplicates) like those of Agent files.
  for (const r of [...all])
    if (r.resource.kind === 'Fleet' || r.resource.kind === 'AgentFleet') all.push(...inlineAgents(r));
  for (const r of all) {
    const kind = r.resource.kind as string;
    if (kind === 'DaemonConfig') {
      problems.push(at(r, ['kind'], 'a DaemonConfig belongs in the daemon config file only'));
    } else if (kind === 'Trigger') {
      if (r.resource.spec.type === 'Schedule') resources.schedules.push(r);
      else resources.triggers.push(r);
    } else {
      const map = byKind[kind as keyof typeof byKind] as Map<string, Sourced<any>>;
      const name = r.resource.metadata.name as string;
      const prior = map.get(name);
      if (prior)
        problems.push(
          at(r, ['metadata', 'name'], `duplicate ${kind} "${name}" (first defined at ${prior.file}:${prior.line})`),
        );
      else map.set(name, r);
    }
  }
  warnings.push(...resolveMcpServers(resources.agents.values(), daemon));
  const references = checkReferences(resources);
  problems.push(...references.problems, ...memoryProblems(resources.agents.values(), base));
  warnings.push(...references.warnings);
  problems.push(...scheduleProblems(resources));
  const forges = forgeProblems(resources);
  problems.push(...forges.problems);
  warnings.push(...forges.warnings);
  if (problems.length) throw new ConfigError(problems, warnings);
  applyEnvOverrides(daemon);
  return resources;
}

/** The usual environment variables win over the file, so one config serves every environment. */
function applyEnvOverrides(daemon: DaemonConfig, env: NodeJS.ProcessEnv = process.env): void {
  const t = daemon.spec.temporal;
  if (env.TEMPORAL_ADDRESS) t.address = env.TEMPORAL_ADDRESS;
  if (env.TEMPORAL_NAMESPACE) t.namespace = env.TEMPORAL_NAMESPACE;
  if (env.AOF_TASK_QUEUE) t.task_queue = env.AOF_TASK_QUEUE;
  if (env.AOF_GITHUB_TASK_QUEUE) t.github_task_queue = env.AOF_GITHUB_TASK_QUEUE;
  if (env.AOF_PORT) daemon.spec.server.port = Number(env.AOF_PORT);
  if (env.AOF_HOST) daemon.spec.server.host = env.AOF_HOST;
  if (env.GITHUB_API_URL) daemon.spec.platforms.github.api_url = env.GITHUB_API_URL;
}

/** Events that carry a pull request or a commit to approve (its head commit is what an approval approves). */
const PR_EVENTS = new Set([
  'pull_request',
  'pull_request_review',
  'pull_request_review_comment',
  'pull_request_target',
  'issue_comment',
  // A GitHub Actions deployment waiting on this App: approved on its commit's pull request, or its commit.
  'deployment_protection_rule',
]);

type PathItem = string | number;

/** A problem at the key `path` of a resource, where the user wrote it. */
const at = problemAt;

/** A dotted path from the flow validator, back to segments (node config keys hold no dots). */
const segments = (path: string): PathItem[] => path.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));

/**
 * References between resources. A Trigger's target (a command's agent, fleet, flow or gate, its
 * default_agent) that is not defined is a warning: the rest loads, as AOF loads its own examples, and an
 * event routed there is answered "unhandled" with the reason (`undefinedTarget` in routing/resolve.ts).
 * Everything a defined target needs to run (a fleet's members, a flow's agents) must be defined.
 */
function checkReferences(res: Resources): { problems: ConfigProblem[]; warnings: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const warnings: ConfigProblem[] = [];
  const need = (
    t: Sourced<Trigger>,
    path: PathItem[],
    key: string,
    kind: 'agent' | 'fleet' | 'flow' | 'gate',
    name: string,
  ) => {
    const map: Map<string, unknown> = { agent: res.agents, fleet: res.fleets, flow: res.flows, gate: res.gates }[kind];
    if (!map.has(name))
      warnings.push(
        at(
          t,
          path,
          `Trigger "${t.resource.metadata.name}": ${bindsUndefined(key, kind, name)}${didYouMean(name, map.keys())}; events routed there are answered "unhandled" with that reason`,
        ),
      );
  };
  const names = new Map<string, Sourced<unknown>>();
  for (const t of [...res.triggers, ...res.schedules]) {
    const prior = names.get(t.resource.metadata.name);
    if (prior)
      problems.push(
        at(
          t,
          ['metadata', 'name'],
          `duplicate Trigger "${t.resource.metadata.name}" (first defined at ${prior.file}:${prior.line})`,
        ),
      );
    names.set(t.resource.metadata.name, t);
  }
  for (const t of res.triggers) {
    const spec = t.resource.spec;
    if (spec.default_agent) need(t, ['spec', 'default_agent'], 'default_agent', 'agent', spec.default_agent);
    for (const [key, b] of Object.entries(spec.commands ?? {})) {
      const path = ['spec', 'commands', key];
      if (b.agent) need(t, [...path, 'agent'], key, 'agent', b.agent);
      if (b.fleet) need(t, [...path, 'fleet'], key, 'fleet', b.fleet);
      if (b.flow) need(t, [...path, 'flow'], key, 'flow', b.flow);
      if (b.gate) need(t, [...path, 'gate'], key, 'gate', b.gate);
      // An approval waits for `/approve` on a pull request's head: an event without a PR cannot run it.
      const event = key.startsWith('/') ? undefined : key.split('.')[0]!;
      const flow = b.flow ? res.flows.get(b.flow)?.resource.spec : undefined;
      if (event && !PR_EVENTS.has(event) && flow?.nodes.some((n) => n.type === 'approval')) {
        problems.push(
          at(
            t,
            path,
            `flow "${b.flow}" has an approval node, which needs a pull request; "${event}" events have none (bind it to a pull_request event or a comment command)`,
          ),
        );
      }
      const approvalKeys = ['require_approval', 'approvers', 'min_approvers'].filter((k) => b.params && k in b.params);
      if (approvalKeys.length && !b.flow) {
        problems.push(
          at(
            t,
            [...path, 'params', approvalKeys[0]!],
            'approval params need a flow target: only a flow has approval gates',
          ),
        );
      }
    }
    problems.push(...eventProblems(t).map((p) => at(t, p.path, p.message)));
  }
  for (const f of res.fleets.values()) {
    const c = f.resource.spec.coordination;
    const coordination = ['spec', 'coordination'];
    if (c.mode === 'hierarchical' && !c.manager)
      problems.push(at(f, [...coordination, 'manager'], 'hierarchical mode needs a manager agent'));
    if (c.manager && !res.agents.has(c.manager))
      problems.push(
        at(
          f,
          [...coordination, 'manager'],
          `agent "${c.manager}" is not defined${didYouMean(c.manager, res.agents.keys())}`,
        ),
      );
    if (c.consensus && c.mode !== 'peer')
      problems.push(at(f, [...coordination, 'consensus'], `consensus applies to peer mode only, not ${c.mode}`));
    f.resource.spec.agents.forEach((m, i) => {
      const agent = m.agent ?? m.name;
      if (!res.agents.has(agent))
        problems.push(
          at(f, ['spec', 'agents', i], `agent "${agent}" is not defined${didYouMean(agent, res.agents.keys())}`),
        );
    });
  }
  for (const f of res.flows.values()) {
    for (const p of validateFlow(f.resource.spec, {
      agents: new Set(res.agents.keys()),
      fleets: new Set(res.fleets.keys()),
    })) {
      problems.push(at(f, segments(p.path), p.message));
    }
  }
  problems.push(...modelProblems(res.agents.values(), res.gates.values()));
  for (const a of res.agents.values()) {
    a.resource.spec.tools.forEach((tool, i) => {
      if (!toolRecord(tool))
        problems.push(
          at(
            a,
            ['spec', 'tools', i],
            `unknown tool "${tool}"${didYouMean(tool, TOOL_NAMES)}; available: ${TOOL_NAMES.join(', ')}`,
          ),
        );
    });
    for (const v of templateVariables(a.resource.spec.instructions)) {
      if (!INSTRUCTION_VARIABLES.includes(v)) {
        problems.push(
          at(
            a,
            ['spec', 'instructions'],
            `unknown template variable "metadata.${v}"${didYouMean(v, INSTRUCTION_VARIABLES)}`,
          ),
        );
      }
    }
  }
  return { problems, warnings };
}
