// kubernetes-validate (PyPI) checks manifests against the Kubernetes JSON schemas it ships, offline.
// Installed on first use into the project's git-ignored virtualenv, like the Temporal CLI.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TOOLS_DIR } from '../../src/paths.js';

export const KUBERNETES_VALIDATE_PIN = 'kubernetes-validate==1.37.0';
const VENV = join(TOOLS_DIR, 'venv');

export function kubernetesValidatePath(): string {
  const bin = join(VENV, 'bin', 'kubernetes-validate');
  if (existsSync(bin)) return bin;
  if (!existsSync(join(VENV, 'bin', 'pip'))) execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
  process.stderr.write(`[aof] installing ${KUBERNETES_VALIDATE_PIN} into ${VENV} (one time)\n`);
  execFileSync(
    join(VENV, 'bin', 'pip'),
    ['install', '--quiet', '--disable-pip-version-check', KUBERNETES_VALIDATE_PIN],
    { stdio: 'inherit' },
  );
  return bin;
}
