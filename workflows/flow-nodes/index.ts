// The flow node types the interpreter runs (workflows/flow-run.ts) and the loader checks
// (src/flows/validate.ts): one record per type. A new type is a file beside this one and a line here.
import { agentNode } from './agent.js';
import { approvalNode } from './approval.js';
import { conditionalNode } from './conditional.js';
import { endNode } from './end.js';
import { fleetNode } from './fleet.js';
import { githubNode } from './github.js';
import { httpNode } from './http.js';
import { joinNode } from './join.js';
import { lockSweepNode } from './lock-sweep.js';
import type { FlowNodeType } from './node-type.js';
import { parallelNode } from './parallel.js';
import { waitNode } from './wait.js';

const ALL = [
  agentNode,
  fleetNode,
  approvalNode,
  conditionalNode,
  parallelNode,
  joinNode,
  waitNode,
  githubNode,
  httpNode,
  lockSweepNode,
  endNode,
] as const;

export type FlowNodeTypeName = (typeof ALL)[number]['type'];
export const FLOW_NODE_TYPE_NAMES = ALL.map((t) => t.type) as [FlowNodeTypeName, ...FlowNodeTypeName[]];

type Config<T> = T extends FlowNodeType<string, infer C> ? C : never;
/** A flow node as the loader checked it: `config` typed by its `type`. */
export type TypedFlowNode = {
  [K in (typeof ALL)[number] as K['type']]: { id: string; type: K['type']; config: Config<K>; compensate?: string };
}[FlowNodeTypeName];

export const FLOW_NODE_TYPES: Record<FlowNodeTypeName, FlowNodeType<string, any>> = Object.fromEntries(
  ALL.map((t) => [t.type, t]),
) as never;

export { branchesOf } from './parallel.js';
export type { FlowContext, FlowGraph, FlowNodeType } from './node-type.js';
