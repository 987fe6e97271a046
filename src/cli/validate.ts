// `aofctl validate`: every problem in the configuration, with file:line:column; exit 1 if any.
// Warnings (a model whose key is not set here) are printed too, but leave the exit code at 0.
import { loadConfig } from '../config/load.js';
import { modelWarnings } from '../config/models.js';
import { ConfigError, formatProblem } from '../config/problems.js';

export function validate(configPath: string): number {
  try {
    const r = loadConfig(configPath);
    for (const w of r.warnings ?? []) process.stderr.write(`warning: ${formatProblem(w)}\n`);
    for (const w of modelWarnings(r.daemon, r.agents.values(), r.gates.values()))
      process.stderr.write(`warning: ${formatProblem(w)}\n`);
    process.stdout.write(
      `${configPath}: valid (${r.triggers.length} triggers, ${r.agents.size} agents, ${r.fleets.size} fleets, ${r.flows.size} flows)\n`,
    );
    return 0;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const w of err.warnings) process.stderr.write(`warning: ${formatProblem(w)}\n`);
    process.stderr.write(err.message + '\n');
    return 1;
  }
}
