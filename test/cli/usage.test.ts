// How aofctl answers the first things a new user types: help, version, and mistakes, as a separate process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const aofctl = (args: string[]) => {
  const r = spawnSync(process.execPath, [resolve(root, 'bin/aofctl.js'), ...args], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('aofctl usage', function () {
  this.timeout(60_000);

  it('--help and -h print the commands on stdout, exit 0', () => {
    for (const flag of ['--help', '-h', 'help']) {
      const r = aofctl([flag]);
      assert.equal(r.code, 0, flag);
      assert.match(r.out, /^usage: aofctl <command> \[options\]/, flag);
      for (const c of ['serve', 'worker', 'dev', 'validate', 'simulate']) assert.match(r.out, new RegExp(`\\n  ${c} `));
      assert.equal(r.err, '');
    }
  });

  it('--version prints the package version, exit 0', () => {
    const { version } = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { version: string };
    const r = aofctl(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.out, `aofctl ${version}\n`);
  });

  it('every command has its own help, not the global one', () => {
    for (const c of ['serve', 'worker', 'dev', 'validate', 'simulate']) {
      const r = aofctl([c, '--help']);
      assert.equal(r.code, 0, c);
      assert.match(r.out, new RegExp(`^usage: aofctl ${c} `), c);
      assert.doesNotMatch(r.out, /commands:/, c);
    }
    const sim = aofctl(['simulate', '-h']).out;
    for (const o of ['--body', '--sender', '--number', '--pr', '--payload', '--action', '--delivery'])
      assert.match(sim, new RegExp(`  ${o} `), o);
    assert.match(aofctl(['help', 'dev']).out, /--sandbox-port/);
    assert.match(aofctl(['worker', '--help']).out, /MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072/);
  });

  it('mistakes are one line, exit 2, with no stack trace', () => {
    const cases: [string[], RegExp][] = [
      [['validate', '--nope'], /^aofctl: validate: unknown option "--nope"; see `aofctl validate --help`\n$/],
      [['--nope'], /^aofctl: unknown option "--nope"; run `aofctl --help`\n$/],
      [['simulate'], /^aofctl: simulate: name an event/],
      [['simulate', 'push', '--body'], /^aofctl: simulate: Option '--body <value>' argument missing/],
      [
        ['simulate', 'issue_comment', '--number', 'x', '--secret', 's'],
        /^aofctl: --number must be a positive integer\n$/,
      ],
      [['dev', '--ui-port', 'abc'], /^aofctl: --ui-port must be a port number, got "abc"\n$/],
      [['serve', 'extra'], /^aofctl: serve: unexpected argument "extra"\n$/],
    ];
    for (const [args, expected] of cases) {
      const r = aofctl(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, expected, args.join(' '));
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
      assert.doesNotMatch(r.err, /\n\s+at /);
    }
  });

  it('no command: the usage on stderr, exit 2', () => {
    const r = aofctl([]);
    assert.equal(r.code, 2);
    assert.match(r.err, /^usage: aofctl <command>/);
  });
});
