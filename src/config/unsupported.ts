// Keys the AOF reference documents that this product accepts (so the reference's YAML loads as written)
// but does not act on. Each is reported as a warning with its place, by `validate` and at startup, so
// nobody relies on it believing it works.
import { positionOf, type Sourced } from './parse-resources.js';
import type { ConfigProblem } from './problems.js';
import type { Agent, DaemonConfig } from './schema.js';

export function unsupportedKeyWarnings(
  daemon: Sourced<DaemonConfig>,
  agents: Iterable<Sourced<Agent>>,
): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  if (daemon.resource.spec.runtime.task_timeout_secs !== undefined) {
    const path = ['spec', 'runtime', 'task_timeout_secs'];
    out.push({
      file: daemon.file,
      ...positionOf(daemon, path),
      path: path.join('.'),
      message:
        "not enforced: a run is bounded by runtime.model_turn_timeout_secs (each model turn), an agent's max_iterations and runtime.token_budget_per_run",
    });
  }
  for (const a of agents) {
    if (a.resource.spec.memory === undefined) continue;
    out.push({
      file: a.file,
      ...positionOf(a, ['spec', 'memory']),
      path: 'spec.memory',
      message:
        'not supported yet and ignored: agents do not see earlier conversations (each run gets the event, its PR or issue, and its diff)',
    });
  }
  return out;
}
