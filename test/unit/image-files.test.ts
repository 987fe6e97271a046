// No Docker engine runs here, so the image's file set is derived from the Dockerfile the way a build
// would produce it, and the configuration is validated on exactly those files in a fresh directory.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { PROCESS_ENV } from '../../src/worker/process-env.js';

const root = resolve(import.meta.dirname, '../..');

interface Stage {
  name?: string;
  from: string;
  steps: { op: string; args: string }[];
}

/** Dockerfile instructions grouped by stage (line continuations joined, comments dropped). */
function dockerfileStages(text: string): Stage[] {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, op, args] = /^(\w+)\s+(.*)$/.exec(line)!;
    if (op!.toUpperCase() === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args!)!;
      stages.push({ from: m[1]!, name: m[2], steps: [] });
    } else stages.at(-1)!.steps.push({ op: op!.toUpperCase(), args: args! });
  }
  return stages;
}

/** The files `npm pack` puts in the tarball: what the `files` stage of the Dockerfile unpacks. */
function packedFiles(): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
}

function imageDir(files: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'aof-image-'));
  for (const f of files) {
    cpSync(join(root, f), join(dir, f));
  }
  // Dependencies are installed from the lockfile in the image; here the project's own stand in.
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

const validateIn = (dir: string) =>
  spawnSync(process.execPath, [join(dir, 'bin/aofctl.js'), 'validate', '--config', 'daemon.yaml'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 30_000,
  });

describe('the Docker image', function () {
  this.timeout(60_000);
  const stages = dockerfileStages(readFileSync(resolve(root, 'Dockerfile'), 'utf8'));
  const final = stages.at(-1)!;
  const packStage = stages.find((s) => s.steps.some((st) => st.op === 'RUN' && /\bnpm pack\b/.test(st.args)));
  const files = packedFiles();

  it('runs on a supported Node LTS that package.json allows', () => {
    const major = Number(/^node:(\d+)/.exec(final.from)?.[1]);
    assert.ok([22, 24].includes(major), `base image ${final.from} is not a current Node LTS`);
    const engines = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')).engines.node as string;
    assert.ok(major >= Number(/(\d+)/.exec(engines)![1]), `engines.node "${engines}" excludes Node ${major}`);
  });

  it("starts its processes with the malloc settings aofctl dev gives its own (they bound the worker's memory)", () => {
    const env = final.steps
      .filter((s) => s.op === 'ENV')
      .flatMap((s) => [...s.args.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
    for (const [name, value] of Object.entries(PROCESS_ENV))
      assert.ok(
        env.some(([n, v]) => n === name && v === value),
        `the image does not set ${name}=${value}`,
      );
  });

  it('takes the application only from `npm pack`, i.e. from the `files` list of package.json', () => {
    assert.ok(packStage?.name, 'a named stage runs npm pack');
    for (const step of final.steps.filter((s) => s.op === 'COPY' || s.op === 'ADD')) {
      if (step.args.startsWith(`--from=${packStage!.name} `)) continue;
      // Only the manifests for installing dependencies may come straight from the build context.
      assert.deepEqual(
        step.args.split(/\s+/).slice(0, -1).sort(),
        ['package-lock.json', 'package.json'],
        `unexpected ${step.op} ${step.args}`,
      );
    }
    assert.ok(final.steps.some((s) => s.op === 'COPY' && s.args.startsWith(`--from=${packStage!.name} `)));
  });

  it('holds every resource folder daemon.yaml names', () => {
    const spec = parse(readFileSync(resolve(root, 'daemon.yaml'), 'utf8')).spec;
    const dirs = ['triggers', 'agents', 'fleets', 'flows', 'gates'].map((k) =>
      String(spec[k].directory).replace(/^\.\//, '').replace(/\/$/, ''),
    );
    for (const dir of dirs)
      assert.ok(
        files.some((f) => dirname(f) === dir),
        `no file of ${dir}/ in the image`,
      );
  });

  it('`aofctl validate` passes on exactly the image files', () => {
    const dir = imageDir(files);
    try {
      const r = validateIn(dir);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /valid \(\d+ triggers/);
      assert.doesNotMatch(r.stderr, /which is not defined/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the same check says so when a resource folder is left out (as gates/ once was)', () => {
    const dir = imageDir(files.filter((f) => !f.startsWith('gates/')));
    try {
      const r = validateIn(dir);
      // A Trigger's target that is not defined is a warning (its events are answered "unhandled").
      assert.match(r.stderr, /^warning: .* binds gate "afa", which is not defined/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
