// With watch: true, an edit reroutes the next delivery without a restart; a broken edit does not, and
// the last good configuration keeps serving.
import assert from 'node:assert/strict';
import { rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { example } from '../../src/fixtures/webhook-examples.js';
import { agentYaml, configDir, daemonYaml, triggerYaml } from '../harness/config-dir.js';
import { startStack, type Stack } from '../harness/stack.js';

describe('hot reload of resources', function () {
  let stack: Stack;
  let dir: string;
  const trigger = (agent: string) =>
    triggerYaml('prs', `config:\n  github_events: [pull_request]\ndefault_agent: ${agent}`);

  before(async () => {
    dir = configDir({
      'daemon.yaml': daemonYaml('webhook_secret_env: AOF_TEST_WEBHOOK_SECRET'),
      'agents/a.yaml': agentYaml('first-agent') + '---\n' + agentYaml('second-agent'),
      'triggers/prs.yaml': trigger('first-agent'),
    });
    stack = await startStack({ config: join(dir, 'daemon.yaml'), withWorker: false });
  });
  after(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const target = async () => (await stack.send('pull_request', example('pull_request', 'opened'))).body.target?.name;

  it('an edit reroutes the next delivery', async () => {
    assert.equal(await target(), 'first-agent');
    const reloaded = stack.store.nextReload();
    writeFileSync(join(dir, 'triggers/prs.yaml'), trigger('second-agent'));
    assert.deepEqual(await reloaded, { ok: true });
    assert.equal(await target(), 'second-agent');
  });

  it('a broken edit keeps the last good configuration', async () => {
    const reloaded = stack.store.nextReload();
    writeFileSync(
      join(dir, 'triggers/prs.yaml'),
      triggerYaml('prs', 'config:\n  github_events: [pull_request]\ndefault_agnet: first-agent'),
    );
    const outcome = await reloaded;
    assert.equal(outcome.ok, false);
    assert.match(
      outcome.error!.message,
      /triggers\/prs\.yaml:8:3: spec\.default_agnet: unknown key "default_agnet" \(did you mean "default_agent"\?\)/,
    );
    assert.equal(await target(), 'second-agent');
  });

  it('adding and deleting files takes effect', async () => {
    let reloaded = stack.store.nextReload();
    writeFileSync(join(dir, 'triggers/prs.yaml'), trigger('second-agent'));
    await reloaded;
    reloaded = stack.store.nextReload();
    // A trigger sorted before prs.yaml wins from now on.
    writeFileSync(
      join(dir, 'triggers/a-first.yaml'),
      triggerYaml('early', 'config:\n  github_events: [pull_request]\ndefault_agent: first-agent'),
    );
    assert.equal((await reloaded).ok, true);
    assert.equal(await target(), 'first-agent');
    reloaded = stack.store.nextReload();
    rmSync(join(dir, 'triggers/a-first.yaml'));
    assert.equal((await reloaded).ok, true);
    assert.equal(await target(), 'second-agent');
  });

  it("an editor's dangling lock-file symlink is skipped with a warning; the ingress keeps serving", async () => {
    const reloaded = stack.store.nextReload();
    // Emacs writes `.#name.yaml` as a symlink to a file that does not exist.
    symlinkSync('user@host.1234:1700000000', join(dir, 'triggers/.#prs.yaml'));
    const outcome = await reloaded;
    assert.equal(outcome.ok, true);
    assert.match(
      stack.store
        .current()
        .warnings!.map((w) => `${w.file}: ${w.message}`)
        .join('\n'),
      /triggers\/\.#prs\.yaml: skipped: a link to a file that does not exist/,
    );
    assert.equal(await target(), 'second-agent');
    rmSync(join(dir, 'triggers/.#prs.yaml'));
  });
});
