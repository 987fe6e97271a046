// Loads the configuration for a command, or prints every problem and exits non-zero.
import { loadConfig, type Resources } from '../config/load.js';
import { ConfigError, formatProblem } from '../config/problems.js';

export function loadOrExit(configPath: string): Resources {
  try {
    const r = loadConfig(configPath);
    for (const w of r.warnings ?? []) process.stderr.write(`warning: ${formatProblem(w)}\n`);
    return r;
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const w of err.warnings) process.stderr.write(`warning: ${formatProblem(w)}\n`);
      process.stderr.write(err.message + '\n');
      process.exit(1);
    }
    throw err;
  }
}
