// The image build installs its dependencies with the Dockerfile's `RUN npm ci ...` on the committed
// package.json and package-lock.json alone: that exact command must succeed on those two files in an
// empty directory. `npm ci` refuses a lockfile that lacks any platform's optional package (e.g.
// @swc/core-darwin-arm64) as out of sync with package.json, on every platform.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

/** The arguments of the Dockerfile's `RUN npm ci ...` (line continuations joined). */
function dockerfileNpmCi(): string[] {
  const text = readFileSync(join(root, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const run = /^RUN\s+npm\s+ci\b(.*)$/m.exec(text);
  assert.ok(run, 'the Dockerfile installs with `RUN npm ci`');
  return ['ci', ...run[1]!.trim().split(/\s+/).filter(Boolean)];
}

describe('the lockfile installs with npm ci, as the image build runs it', function () {
  // A real install of the production dependencies (about 20 s from npm's cache, longer on a cold one).
  this.timeout(300_000);
  const dir = mkdtempSync(join(tmpdir(), 'aof-npm-ci-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("the Dockerfile's npm ci succeeds on the committed package.json and package-lock.json alone", () => {
    const args = dockerfileNpmCi();
    assert.ok(args.includes('--omit=dev') && args.includes('--ignore-scripts'), args.join(' '));
    copyFileSync(join(root, 'package.json'), join(dir, 'package.json'));
    copyFileSync(join(root, 'package-lock.json'), join(dir, 'package-lock.json'));
    const r = spawnSync('npm', [...args, '--prefer-offline'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, npm_config_loglevel: 'error' },
    });
    assert.equal(r.status, 0, `npm ${args.join(' ')} failed:\n${r.stderr}${r.stdout}`);
    // What the image runs is there; what only development needs is not.
    for (const name of ['@temporalio/worker', 'tree-sitter', 'tsx', 'koa'])
      assert.ok(existsSync(join(dir, 'node_modules', name, 'package.json')), `${name} installed`);
    for (const name of ['mocha', 'typescript', 'eslint'])
      assert.ok(!existsSync(join(dir, 'node_modules', name)), `${name} (dev) left out`);
  });

  it('the lockfile names every platform of each optional native package it installs', () => {
    // What `npm ci` checks first: every optional dependency of a locked package is locked too.
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { optionalDependencies?: Record<string, string> }>;
    };
    const missing = Object.entries(lock.packages).flatMap(([path, p]) =>
      Object.keys(p.optionalDependencies ?? {})
        .filter((dep) => !lock.packages[`${path ? path + '/' : ''}node_modules/${dep}`])
        .filter((dep) => !lock.packages[`node_modules/${dep}`])
        .map((dep) => `${path || '(root)'} -> ${dep}`),
    );
    assert.deepEqual(missing, []);
  });
});
