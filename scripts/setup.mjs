#!/usr/bin/env node
// Makes a fresh clone runnable: installs npm dependencies when node_modules is missing or older than
// the lockfile. The Temporal CLI is installed on first use by src/temporal/cli-locator.ts.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const marker = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');
const stale = !existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs;
if (stale) {
  // `npm install` with the lockfile rather than `npm ci`: the registry reachable here lacks some other
  // platforms' optional binaries (e.g. @swc/core-darwin-*), which `npm ci` refuses to leave out.
  process.stderr.write('[aof] installing npm dependencies\n');
  execSync('npm install --no-audit --no-fund --no-save', { cwd: root, stdio: 'inherit' });
}
