// Loads the configuration for a command, or prints every problem and exits non-zero.
import { loadConfig, type Resources } from '../config/load.js';
import { ConfigError } from '../config/problems.js';

export function loadOrExit(configPath: string): Resources {
  try {
    return loadConfig(configPath);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(err.message + '\n');
      process.exit(1);
    }
    throw err;
  }
}
