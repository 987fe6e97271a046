// `aofctl validate`: every problem in the configuration, with file:line:column; exit 1 if any.
import { loadConfig } from '../config/load.js';
import { ConfigError } from '../config/problems.js';

export function validate(configPath: string): number {
  try {
    const r = loadConfig(configPath);
    process.stdout.write(
      `${configPath}: valid (${r.triggers.length} triggers, ${r.agents.size} agents, ${r.fleets.size} fleets, ${r.flows.size} flows)\n`,
    );
    return 0;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(err.message + '\n');
    return 1;
  }
}
