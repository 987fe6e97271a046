// `aofctl validate`: every problem in the configuration, with file:line:column; exit 1 if any.
// Warnings (a model whose key is not set here, a Trigger target that is not defined) are printed too, but
// leave the exit code at 0. Given files or folders, it checks those: a DaemonConfig file as --config, or
// resource files without one (AOF's examples as written), where an unset ${VAR} is a warning only.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadConfig, loadResourceFiles, type Resources } from '../config/load.js';
import { modelWarnings } from '../config/models.js';
import { ConfigError, formatProblem } from '../config/problems.js';

/** The DaemonConfig a path names: the file itself when it holds one, or a folder's daemon.yaml. */
function daemonFileOf(path: string): string | undefined {
  let file = path;
  try {
    if (statSync(path).isDirectory()) file = join(path, 'daemon.yaml');
    const text = readFileSync(file, 'utf8');
    return parseAllDocuments(text).some((d) => (d.toJS() as { kind?: unknown } | null)?.kind === 'DaemonConfig')
      ? file
      : undefined;
  } catch {
    return undefined;
  }
}

export function validate(configPath: string, paths: string[] = []): number {
  const daemonFile = paths.length === 1 ? daemonFileOf(paths[0]!) : undefined;
  const what = paths.length ? paths.join(' ') : configPath;
  try {
    const r: Resources =
      paths.length === 0
        ? loadConfig(configPath)
        : daemonFile
          ? loadConfig(daemonFile)
          : loadResourceFiles(paths, { unsetVariables: 'warning' });
    for (const w of r.warnings ?? []) process.stderr.write(`warning: ${formatProblem(w)}\n`);
    for (const w of modelWarnings(r.daemon, r.agents.values(), r.gates.values()))
      process.stderr.write(`warning: ${formatProblem(w)}\n`);
    process.stdout.write(
      `${what}: valid (${r.triggers.length + r.schedules.length} triggers, ${r.agents.size} agents, ${r.fleets.size} fleets, ${r.flows.size} flows)\n`,
    );
    return 0;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const w of err.warnings) process.stderr.write(`warning: ${formatProblem(w)}\n`);
    process.stderr.write(err.message + '\n');
    return 1;
  }
}
