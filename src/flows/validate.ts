// Checks a flow's graph: a `start` node, connections between known nodes, every node reachable, every
// cycle bounded by an edge with `max`, conditions that parse, agents and fleets that exist.
import type { Flow } from '../config/schema.js';
import { didYouMean } from '../config/problems.js';
import { compile } from './expression.js';
import { httpTemplateProblems } from './http-request.js';

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
  spec.nodes.forEach((n, i) => {
    if (seen.has(n.id)) problems.push({ path: `spec.nodes.${i}.id`, message: `duplicate node id "${n.id}"` });
    seen.add(n.id);
    const ref = (kind: 'agent' | 'fleet', set: Set<string>) => {
      const name = n.config?.[kind];
      if (typeof name !== 'string')
        problems.push({ path: `spec.nodes.${i}.config.${kind}`, message: `a ${n.type} node needs config.${kind}` });
      else if (!set.has(name))
        problems.push({
          path: `spec.nodes.${i}.config.${kind}`,
          message: `${kind} "${name}" is not defined${didYouMean(name, set)}`,
        });
    };
    if (n.type === 'agent') ref('agent', known.agents);
    if (n.type === 'fleet') ref('fleet', known.fleets);
    if (n.type === 'conditional' && typeof n.config?.expression !== 'string')
      problems.push({
        path: `spec.nodes.${i}.config.expression`,
        message: 'a conditional node needs config.expression',
      });
    if (n.type === 'http' && typeof n.config?.url !== 'string')
      problems.push({ path: `spec.nodes.${i}.config.url`, message: 'an http node needs config.url' });
    if (n.type === 'http')
      for (const p of httpTemplateProblems(n.config ?? {}))
        problems.push({ path: `spec.nodes.${i}.config.${p.key}`, message: p.message });
    if (n.type === 'join') {
      problems.push({
        path: `spec.nodes.${i}.type`,
        message:
          'node type "join" is not run by the interpreter: a parallel node joins its own branches (config.join: all, any or majority)',
      });
    }
    if (n.type === 'parallel') {
      const branches = n.config?.branches;
      if (!Array.isArray(branches) || branches.length === 0)
        problems.push({
          path: `spec.nodes.${i}.config.branches`,
          message: 'a parallel node needs config.branches (node ids)',
        });
      else
        for (const b of branches)
          if (!ids.has(String(b)))
            problems.push({
              path: `spec.nodes.${i}.config.branches`,
              message: `unknown node "${b}"${didYouMean(String(b), ids)}`,
            });
    }
    for (const expr of [n.config?.expression].filter((e): e is string => typeof e === 'string')) {
      try {
        compile(expr);
      } catch (e) {
        problems.push({ path: `spec.nodes.${i}.config.expression`, message: (e as Error).message });
      }
    }
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
  // Parallel branches count as reachable from their parallel node.
  for (const n of spec.nodes) {
    if (n.type === 'parallel' && Array.isArray(n.config?.branches))
      for (const b of n.config.branches)
        edges.set(n.id, [...(edges.get(n.id) ?? []), { to: String(b), bounded: true }]);
  }
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
