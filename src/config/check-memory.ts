// An agent's `memory` must name a store this product has (File:<path>[:<conversations kept>]); anything
// else is an error at its line rather than a key that is silently ignored.
import { parseMemorySpec } from '../agents/memory-spec.js';
import { problemAt, type Sourced } from './parse-resources.js';
import type { ConfigProblem } from './problems.js';
import type { Agent } from './schema.js';

export function memoryProblems(agents: Iterable<Sourced<Agent>>, baseDir: string): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const a of agents) {
    const memory = a.resource.spec.memory;
    if (memory === undefined) continue;
    const spec = parseMemorySpec(memory, baseDir);
    if (typeof spec === 'string') out.push(problemAt(a, ['spec', 'memory'], spec));
  }
  return out;
}
