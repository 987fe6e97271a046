#!/usr/bin/env node
// Makes a fresh clone runnable: `npm ci` when node_modules does not hold what the lockfile names. The
// Temporal CLI is installed on first use by src/temporal/cli-locator.ts.
import { execSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// npm's record of what it installed; compared by content, not by date (a checkout or a merge touches the
// lockfile without changing what it names, and `npm ci` starts by deleting node_modules).
const marker = join(root, 'node_modules', '.package-lock.json');
const packages = (file) => JSON.parse(readFileSync(file, 'utf8')).packages ?? {};
const installed = existsSync(marker) ? packages(marker) : undefined;
const stale =
  !installed ||
  Object.entries(packages(join(root, 'package-lock.json'))).some(
    ([path, p]) =>
      path !== '' &&
      installed[path]?.version !== p.version &&
      // Other platforms' optional binaries (@swc/core-darwin-*, fsevents) are in the lockfile, never installed.
      !((p.optional || p.devOptional) && !installed[path]),
  );
if (stale) {
  // `npm ci`: exactly the lockfile, which holds every platform's optional binaries (test/unit/lockfile-ci.test.ts).
  process.stderr.write('[aof] installing npm dependencies (npm ci)\n');
  execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
}
