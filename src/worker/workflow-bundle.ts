// The worker runs a prebuilt workflow bundle. Webpack builds it in a child process, so the ~130 MB it
// takes leaves with that process instead of staying in the worker's heap; the bundle is cached by a hash
// of the sources workflow code can import (workflows/ and src/) and of the lockfile, so a restart or a
// second worker on the machine reuses it.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../paths.js';

const SOURCES = ['workflows', 'src'];

function sourceHash(interceptorModules: string[]): string {
  const h = createHash('sha256');
  h.update(`${interceptorModules.join('\n')}\n`);
  // The installed dependencies (the SDK and anything workflow code pulls in) as the lockfile pins them.
  h.update(readFileSync(resolve(PROJECT_ROOT, 'package-lock.json')));
  for (const dir of SOURCES) {
    const files = readdirSync(resolve(PROJECT_ROOT, dir), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .sort();
    for (const f of files) h.update(`${dir}/${f}\n`).update(readFileSync(resolve(PROJECT_ROOT, dir, f)));
  }
  return h.digest('hex').slice(0, 16);
}

/**
 * The bundle's path, built first when this version of the sources has none yet. `interceptorModules` are
 * workflow interceptors bundled with the code (a plugin cannot add them to a prebuilt bundle), such as
 * OpenTelemetry's when tracing is on.
 */
export async function prebuiltWorkflowBundle(
  interceptorModules: string[] = [],
  cacheDir = process.env.AOF_BUNDLE_DIR ?? join(tmpdir(), 'aof-workflow-bundles'),
): Promise<{ codePath: string }> {
  const codePath = join(cacheDir, `workflows-${sourceHash(interceptorModules)}.js`);
  if (existsSync(codePath)) return { codePath };
  mkdirSync(cacheDir, { recursive: true });
  const script = resolve(PROJECT_ROOT, 'src/worker/bundle-workflows.ts');
  await new Promise<void>((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, codePath, ...interceptorModules], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', fail);
    child.on('exit', (code) =>
      code === 0 ? done() : fail(new Error(`bundling the workflows failed (exit ${code}):\n${err.slice(-4000)}`)),
    );
  });
  return { codePath };
}
