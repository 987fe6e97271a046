// `npm install` on Node 20 is clean: every dependency's engines admit the project's Node, and every
// install script is decided in allowScripts (so npm neither warns nor silently skips one we need).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as {
  engines: { node: string };
  allowScripts: Record<string, boolean>;
};
const lock = JSON.parse(readFileSync(resolve(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { engines?: { node?: string }; hasInstallScript?: boolean; dev?: boolean }>;
};
const nameOf = (path: string) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);

describe('install hygiene', () => {
  it("every dependency's minimum Node is at most the project's", () => {
    const ours = Number(/^>=(\d+)/.exec(pkg.engines.node)![1]);
    const tooNew = Object.entries(lock.packages)
      .filter(([path]) => path)
      .map(([path, p]) => [nameOf(path), p.engines?.node ?? ''] as const)
      .filter(([, range]) => {
        // Every alternative of the range must exclude Node `ours` for the package to refuse it.
        return range
          .split('||')
          .map((alt) => /^\s*>=?\s*v?(\d+)/.exec(alt) ?? /^\s*\^\s*v?(\d+)/.exec(alt))
          .every((m) => m !== null && Number(m[1]) > ours);
      });
    assert.deepEqual(tooNew, []);
  });

  it('every package with an install script is decided in allowScripts', () => {
    const undecided = Object.entries(lock.packages)
      .filter(([path, p]) => path && p.hasInstallScript)
      .map(([path]) => nameOf(path))
      .filter((name) => !(name in pkg.allowScripts));
    assert.deepEqual([...new Set(undecided)], []);
  });
});
