// The CLI as users run it: a separate process, its exit code and what it prints.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { agentYaml, configDir, daemonYaml, triggerYaml } from '../harness/config-dir.js';

const bin = resolve(import.meta.dirname, '../../bin/aofctl.js');
const aofctl = (args: string[], env: Record<string, string | undefined> = {}) => {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('aofctl', function () {
  this.timeout(60_000);
  const broken = configDir({
    'daemon.yaml': daemonYaml('webhook_secret_env: AOF_CLI_SECRET'),
    'agents/a.yaml': agentYaml('helper'),
    'triggers/t.yaml': triggerYaml('t', 'config:\n  github_event: [push]\ndefault_agent: helpr'),
  });
  const good = configDir({
    'daemon.yaml': daemonYaml('webhook_secret_env: AOF_CLI_SECRET'),
    'agents/a.yaml': agentYaml('helper'),
    'triggers/t.yaml': triggerYaml('t', 'default_agent: helper'),
  });

  it('validate: exits 1 and prints every problem with file:line:column', () => {
    const r = aofctl(['validate', '--config', join(broken, 'daemon.yaml')]);
    assert.equal(r.code, 1);
    assert.match(r.err, /invalid configuration \(1 problem\)/);
    assert.match(r.err, /triggers\/t\.yaml:7:5: spec\.config\.github_event: unknown key "github_event" \(did you mean "github_events"\?\)/);
  });

  it('validate: exits 0 on the shipped example configuration', () => {
    const r = aofctl(['validate', '--config', resolve(import.meta.dirname, '../../daemon.yaml')]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /valid \(4 triggers, 5 agents, 1 fleets, 2 flows/);
  });

  it('serve and worker refuse invalid configuration with the same messages', () => {
    for (const cmd of ['serve', 'worker']) {
      const r = aofctl([cmd, '--config', join(broken, 'daemon.yaml')], { AOF_CLI_SECRET: 's' });
      assert.equal(r.code, 1, cmd);
      assert.match(r.err, /spec\.config\.github_event: unknown key/);
    }
  });

  it('serve refuses to start without a webhook secret, and says how to set one', () => {
    const r = aofctl(['serve', '--config', join(good, 'daemon.yaml')], { AOF_CLI_SECRET: undefined });
    assert.equal(r.code, 1);
    assert.match(r.err, /no webhook secret configured: set AOF_CLI_SECRET/);
  });

  it('simulate: names the known actions when asked for one that does not exist', () => {
    const r = aofctl(['simulate', 'pull_request', '--action', 'exploded', '--secret', 's', '--url', 'http://127.0.0.1:9/x']);
    assert.equal(r.code, 2);
    assert.match(r.err, /no example payload for pull_request with action "exploded"; known actions: .*opened/);
  });

  it('unknown commands print the usage', () => {
    const r = aofctl(['frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.err, /usage: aofctl <command>/);
  });
});
