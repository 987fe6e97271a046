// The CLI as users run it: a separate process, its exit code and what it prints.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { agentYaml, configDir, daemonYaml, triggerYaml } from '../harness/config-dir.js';

const bin = resolve(import.meta.dirname, '../../bin/aofctl.js');
const aofctl = (args: string[], env: Record<string, string | undefined> = {}) => {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 30_000,
  });
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
    assert.match(
      r.err,
      /triggers\/t\.yaml:7:5: spec\.config\.github_event: unknown key "github_event" \(did you mean "github_events"\?\)/,
    );
  });

  it('validate: exits 0 on the shipped example configuration', () => {
    const r = aofctl(['validate', '--config', resolve(import.meta.dirname, '../../daemon.yaml')]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /valid \(10 triggers, 5 agents, 1 fleets, 4 flows/);
  });

  it('validate FILE: resource files without a DaemonConfig, as AOF writes them: exit 0, warnings said', () => {
    const dir = configDir({
      'mr-review.yaml':
        triggerYaml(
          'mr-bot',
          'type: GitLab\nconfig:\n  token: ${AOF_CLI_UNSET_TOKEN}\n  gitlab_events: [note]\ncommands:\n  /review: { fleet: mr-fleet }\n  /close: { agent: mr-closer }',
        ).replace('  type: GitHub\n', '') +
        '---\napiVersion: aof.dev/v1\nkind: Fleet\nmetadata: {name: mr-fleet}\nspec:\n  agents:\n    - name: style\n      spec:\n        model: builtin:code-reviewer\n        systemPrompt: You review.\n',
    });
    for (const path of [join(dir, 'mr-review.yaml'), dir]) {
      const r = aofctl(['validate', path], { AOF_CLI_UNSET_TOKEN: undefined });
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /valid \(1 triggers, 1 agents, 1 fleets, 0 flows\)/);
      assert.match(
        r.err,
        /^warning: .*mr-review\.yaml:11:15: spec\.commands\.\/close\.agent: Trigger "mr-bot": \/close binds agent "mr-closer", which is not defined; events routed there are answered "unhandled" with that reason$/m,
      );
      assert.match(
        r.err,
        /^warning: .*mr-review\.yaml:7:12: spec\.config\.token: environment variable AOF_CLI_UNSET_TOKEN is not set here/m,
      );
    }
  });

  it('validate PATH: a DaemonConfig file or its folder is checked as --config is', () => {
    for (const path of [join(good, 'daemon.yaml'), good]) {
      const r = aofctl(['validate', path], { AOF_CLI_SECRET: 's' });
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /valid \(1 triggers, 1 agents/);
    }
    const r = aofctl(['validate', join(broken, 'daemon.yaml')]);
    assert.equal(r.code, 1);
    assert.match(r.err, /unknown key "github_event"/);
  });

  it('validate: rejects unknown model providers and built-in models, with file:line', () => {
    const dir = configDir({
      'daemon.yaml': daemonYaml('webhook_secret_env: AOF_CLI_SECRET'),
      'agents/a.yaml': agentYaml('helper', 'gogle:gemini-2.5-flash') + '---\n' + agentYaml('other', 'builtin:asistant'),
      'triggers/t.yaml': triggerYaml('t', 'default_agent: helper'),
    });
    const r = aofctl(['validate', '--config', join(dir, 'daemon.yaml')]);
    assert.equal(r.code, 1);
    assert.match(
      r.err,
      /agents\/a\.yaml:5:3: spec\.model: unknown model provider "gogle" \(did you mean "google"\?\); use anthropic:<model>, google:<model>, openai:<model> or builtin:<model>/,
    );
    assert.match(
      r.err,
      /agents\/a\.yaml:11:3: spec\.model: unknown built-in model "asistant" \(did you mean "assistant"\?\)/,
    );
  });

  it('validate: warns, exit 0, when a model provider has no key and the agent no offline model', () => {
    const dir = configDir({
      'daemon.yaml': daemonYaml('webhook_secret_env: AOF_CLI_SECRET'),
      'agents/a.yaml':
        agentYaml('gemini', 'google:gemini-2.5-flash') +
        '---\n' +
        agentYaml('local', 'openai:llama3.1') +
        '  api_key_env: VLLM_KEY\n  base_url: http://vllm:8000/v1\n---\n' +
        agentYaml('safe', 'openai:gpt-4o') +
        '  offline_model: builtin:assistant\n',
      'triggers/t.yaml': triggerYaml('t', 'default_agent: gemini'),
    });
    const noKeys = {
      GOOGLE_API_KEY: undefined,
      GEMINI_API_KEY: undefined,
      OPENAI_API_KEY: undefined,
      VLLM_KEY: undefined,
    };
    const r = aofctl(['validate', '--config', join(dir, 'daemon.yaml')], noKeys);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /valid \(1 triggers, 3 agents/);
    const warnings = r.err.trim().split('\n');
    assert.equal(warnings.length, 2, r.err);
    assert.match(
      warnings[0]!,
      /^warning: .*agents\/a\.yaml:5:3: spec\.model: google:gemini-2\.5-flash needs GOOGLE_API_KEY or GEMINI_API_KEY, which is not set here/,
    );
    assert.match(warnings[1]!, /^warning: .*agents\/a\.yaml:\d+:3: spec\.model: openai:llama3\.1 needs VLLM_KEY,/);
    const keyed = aofctl(['validate', '--config', join(dir, 'daemon.yaml')], {
      ...noKeys,
      GEMINI_API_KEY: 'k',
      VLLM_KEY: 'k',
    });
    assert.equal(keyed.code, 0);
    assert.equal(keyed.err, '');
  });

  it('serve and worker refuse invalid configuration with the same messages', () => {
    for (const cmd of ['serve', 'worker']) {
      const r = aofctl([cmd, '--config', join(broken, 'daemon.yaml')], { AOF_CLI_SECRET: 's' });
      assert.equal(r.code, 1, cmd);
      assert.match(r.err, /spec\.config\.github_event: unknown key/);
    }
  });

  it('worker refuses V8 flags that are not flags, before it connects anywhere', () => {
    const r = aofctl(['worker', '--config', join(good, 'daemon.yaml')], { AOF_WORKER_V8_FLAGS: 'optimize-for-size' });
    assert.equal(r.code, 1);
    assert.equal(
      r.err,
      'aofctl worker: AOF_WORKER_V8_FLAGS: "optimize-for-size" is not a V8 flag (--name or --name=value)\n',
    );
  });

  it('serve refuses to start without a webhook secret, and says how to set one', () => {
    const r = aofctl(['serve', '--config', join(good, 'daemon.yaml')], { AOF_CLI_SECRET: undefined });
    assert.equal(r.code, 1);
    assert.match(r.err, /no webhook secret configured: set AOF_CLI_SECRET/);
  });

  it('simulate: names the known actions when asked for one that does not exist', () => {
    const r = aofctl([
      'simulate',
      'pull_request',
      '--action',
      'exploded',
      '--secret',
      's',
      '--url',
      'http://127.0.0.1:9/x',
    ]);
    assert.equal(r.code, 2);
    assert.match(r.err, /no example payload for pull_request with action "exploded"; known actions: .*opened/);
  });

  it('unknown commands are one line naming the commands, exit 2', () => {
    const r = aofctl(['frobnicate']);
    assert.equal(r.code, 2);
    assert.equal(
      r.err,
      'aofctl: unknown command "frobnicate"; commands: serve, worker, dev, validate, simulate, mcp (`aofctl --help`)\n',
    );
  });
});
