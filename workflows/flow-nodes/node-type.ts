// What a flow node type is: one record per type (its config schema, the loader's checks, and its run
// function in workflow code), so adding a node type is one file here and a line in ./index.ts.
// The schema is built from the zod the loader passes in: workflow code never bundles zod.
import type { z, ZodType } from 'zod';
import type { HttpActivities } from '../../activities/http/index.js';
import type { AgentRunInput } from '../agent-run.js';
import type { ApprovalOutcome, approvalInbox } from '../approval-gate.js';
import type { forgeActivities } from '../activities.js';
import type { FlowRunInput, NodeRecord } from '../flow-run.js';
import type { RunState } from '../run-attributes.js';
import type { ForgeTarget } from '../../src/forges/port.js';
import type { Scope } from '../../src/flows/expression.js';

/** What the loader knows when it checks a node: the flow's node ids and the agents and fleets defined. */
export interface FlowGraph {
  ids: Set<string>;
  agents: Set<string>;
  fleets: Set<string>;
}

/** A problem with a node: the key of the node it is about (`type`, `config.url`), and what is wrong. */
export interface ConfigProblem {
  key: string;
  message: string;
}

/** A running flow as its nodes see it: the run's input, what earlier nodes answered, the forge and hooks. */
export interface FlowContext {
  input: FlowRunInput;
  /** The environment the flow deploys to (`event.environment`). */
  env: string;
  /** Looks up a template name (`metadata.*`, `event.*`, `params.*`, `<node>.output`). */
  scope: Scope;
  /** Renders a `${...}` template against `scope`. */
  text(v: unknown): string;
  /** What every agent (or fleet member) the flow runs shares. */
  base: Omit<AgentRunInput, 'agentName' | 'spec' | 'postAnswer'>;
  target: ForgeTarget;
  forge: ReturnType<typeof forgeActivities>;
  httpCall: HttpActivities['httpCall'];
  box: ReturnType<typeof approvalInbox>;
  setState: RunState;
  outputs: Map<string, string>;
  /** Agent nodes' validated answers (their agent's output_schema): `node.output.<field>` reads into them. */
  typedOutputs: Map<string, unknown>;
  records: NodeRecord[];
  /** The approval the flow collected, once an approval node decided. */
  approval?: ApprovalOutcome;
  /** The flow's status: `completed` unless an end node says otherwise. */
  status: string;
  /** Runs another node (a parallel node's branches); its output. */
  run(id: string): Promise<string>;
}

export interface FlowNodeType<T extends string = string, C = Record<string, unknown>> {
  type: T;
  /**
   * Whether the node acts on the world: the environment's lock is taken before the first node that acts,
   * and only a node that acts can undo another (`compensate`).
   */
  acts: boolean;
  /** The schema of `config` (the loader validates it; keys it does not name pass through unchanged). */
  config(zod: typeof z): ZodType<C>;
  /** Checks beyond the schema, against the rest of the configuration. */
  check?(config: C, graph: FlowGraph): ConfigProblem[];
  /** Runs the node (workflow code: deterministic); its output, which later nodes read as `<id>.output`. */
  run(node: { id: string; config: C }, flow: FlowContext): Promise<string>;
}

export const defineNode = <T extends string, C>(t: FlowNodeType<T, C>): FlowNodeType<T, C> => t;

/** A node's duration: seconds as a number, or `500ms`, `30s`, `5m`, `2h`, `1d`; else the fallback. */
export const duration = (v: unknown, fallbackMs: number): number => {
  if (typeof v === 'number') return v * 1000;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(String(v ?? '').trim());
  if (!m) return fallbackMs;
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 }[m[2] as 'ms'];
};
