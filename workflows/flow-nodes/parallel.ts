// `parallel`: its branches (node ids) run together; the join decides: all must succeed, any one, or a
// majority. A failed branch is counted, not thrown: the output says how many succeeded.
import { didYouMean } from '../../src/config/problems.js';
import { defineNode } from './node-type.js';

export const parallelNode = defineNode({
  type: 'parallel',
  acts: true,
  config: (z) =>
    z.looseObject({
      branches: z
        .array(z.string(), { error: 'a parallel node needs config.branches (node ids)' })
        .min(1, { error: 'a parallel node needs config.branches (node ids)' }),
      join: z.enum(['all', 'any', 'majority']).optional(),
    }),
  check: (c, graph) =>
    c.branches
      .filter((b) => !graph.ids.has(b))
      .map((b) => ({ key: 'config.branches', message: `unknown node "${b}"${didYouMean(b, graph.ids)}` })),
  async run({ config: c }, flow) {
    const branches = c.branches.map(String);
    const settled = await Promise.all(
      branches.map((b) =>
        flow.run(b).then(
          (o) => (flow.outputs.set(b, o), { b, ok: true, o }),
          (e: Error) => ({ b, ok: false, o: e.message }),
        ),
      ),
    );
    const ok = settled.filter((r) => r.ok).length;
    const join = String(c.join ?? 'all');
    const passed = join === 'any' ? ok > 0 : join === 'majority' ? ok * 2 > branches.length : ok === branches.length;
    return passed ? 'joined' : `failed (${ok}/${branches.length} branches succeeded, join ${join})`;
  },
});

/** The branches a node starts besides its connections (a parallel node's): reachable from it. */
export const branchesOf = (n: { type: string; config?: Record<string, unknown> }): string[] =>
  n.type === 'parallel' && Array.isArray(n.config?.branches) ? n.config.branches.map(String) : [];
