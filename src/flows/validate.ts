// Checks a flow: each node's config by its type's record (workflows/flow-nodes/), and the graph: a `start`
// node, connections between known nodes, every node reachable (a compensation from the node it undoes),
// every cycle bounded by an edge with `max`, compensations that can undo.
import { z } from 'zod';
import type { Flow } from '../config/schema.js';
import { didYouMean } from '../config/problems.js';
import { branchesOf, FLOW_NODE_TYPES } from '../../workflows/flow-nodes/index.js';
import { compile } from './expression.js';

export interface FlowProblem {
  path: string;
  message: string;
}

export function validateFlow(spec: Flow['spec'], known: { agents: Set<string>; fleets: Set<string> }): FlowProblem[] {
  const problems: FlowProblem[] = [];
  const ids = new Set(spec.nodes.map((n) => n.id));
  if (!ids.has('start'))
    problems.push({ path: 'spec.nodes', message: `no node with id "start" (nodes: ${[...ids].join(', ')})` });
  const seen = new Set<string>();
  const graph = { ids, agents: known.agents, fleets: known.fleets };
  spec.nodes.forEach((n, i) => {
    if (seen.has(n.id)) problems.push({ path: `spec.nodes.${i}.id`, message: `duplicate node id "${n.id}"` });
    seen.add(n.id);
    // The type's record: its config schema, then its own checks once the config has the shape they read.
    const type = FLOW_NODE_TYPES[n.type];
    const config = type.config(z).safeParse(n.config ?? {});
    if (!config.success)
      for (const issue of config.error.issues)
        problems.push({ path: ['spec', 'nodes', i, 'config', ...issue.path].join('.'), message: issue.message });
    else
      for (const p of type.check?.(config.data, graph) ?? [])
        problems.push({ path: `spec.nodes.${i}.${p.key}`, message: p.message });
    if (n.compensate !== undefined) problems.push(...compensationProblems(spec, i));
  });
  const edges = new Map<string, { to: string; bounded: boolean }[]>();
  spec.connections.forEach((c, i) => {
    for (const end of ['from', 'to'] as const) {
      if (!ids.has(c[end]))
        problems.push({
          path: `spec.connections.${i}.${end}`,
          message: `unknown node "${c[end]}"${didYouMean(c[end], ids)}`,
        });
    }
    if (c.when !== undefined) {
      try {
        compile(c.when);
      } catch (e) {
        problems.push({ path: `spec.connections.${i}.when`, message: (e as Error).message });
      }
    }
    edges.set(c.from, [...(edges.get(c.from) ?? []), { to: c.to, bounded: c.max !== undefined }]);
  });
  // Parallel branches count as reachable from their parallel node, a compensation from the node it undoes.
  for (const n of spec.nodes)
    for (const to of [...branchesOf(n), ...(n.compensate ? [n.compensate] : [])])
      edges.set(n.id, [...(edges.get(n.id) ?? []), { to, bounded: true }]);
  if (ids.has('start')) {
    const reach = new Set<string>(['start']);
    const todo = ['start'];
    while (todo.length)
      for (const e of edges.get(todo.pop()!) ?? [])
        if (!reach.has(e.to)) {
          reach.add(e.to);
          todo.push(e.to);
        }
    spec.nodes.forEach((n, i) => {
      if (!reach.has(n.id))
        problems.push({ path: `spec.nodes.${i}`, message: `node "${n.id}" is unreachable from start` });
    });
  }
  // A cycle made only of unbounded edges could run forever.
  const state = new Map<string, 'open' | 'done'>();
  const visit = (id: string, path: string[]): void => {
    state.set(id, 'open');
    for (const e of (edges.get(id) ?? []).filter((x) => !x.bounded)) {
      if (state.get(e.to) === 'open')
        problems.push({
          path: 'spec.connections',
          message: `cycle without a bound: ${[...path.slice(path.indexOf(e.to)), e.to].join(' → ')} (give one of its connections \`max\`)`,
        });
      else if (!state.has(e.to)) visit(e.to, [...path, e.to]);
    }
    state.set(id, 'done');
  };
  for (const id of ids) if (!state.has(id)) visit(id, [id]);
  return problems;
}

/**
 * `compensate` on node `i`: it names another node that acts (an http rollback hook, a comment, an agent),
 * not an approval, a condition or an end, and that node undoes without needing an undo of its own.
 */
function compensationProblems(spec: Flow['spec'], i: number): FlowProblem[] {
  const n = spec.nodes[i]!;
  const path = `spec.nodes.${i}.compensate`;
  const by = spec.nodes.find((m) => m.id === n.compensate);
  const ids = new Set(spec.nodes.map((m) => m.id));
  if (!by) return [{ path, message: `unknown node "${n.compensate}"${didYouMean(n.compensate!, ids)}` }];
  if (by.id === n.id) return [{ path, message: 'a node cannot undo itself' }];
  if (!FLOW_NODE_TYPES[n.type].acts)
    return [{ path, message: `${article(n.type)} ${n.type} node changes nothing, so there is nothing to undo` }];
  if (!FLOW_NODE_TYPES[by.type].acts)
    return [{ path, message: `node "${by.id}" is ${article(by.type)} ${by.type} node, which cannot undo anything` }];
  if (by.compensate !== undefined)
    return [{ path, message: `node "${by.id}" undoes "${n.id}", so it cannot have a compensation of its own` }];
  return [];
}

const article = (word: string) => (/^[aeiou]/.test(word) ? 'an' : 'a');
