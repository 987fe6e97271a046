// Every YAML example of the AOF reference loads as written (test/fixtures/reference holds them,
// indentation restored, plus definitions of the agents, fleets and flows they name but never define).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { parseResourceFile } from '../../src/config/parse-resources.js';

const dir = resolve(import.meta.dirname, '../fixtures/reference');

describe('reference examples load as written', () => {
  before(() => (process.env.GITHUB_WEBHOOK_SECRET = 'reference-secret'));

  it('the daemon config with all its triggers, agents, fleets and flows', () => {
    const r = loadConfig(join(dir, 'daemon.yaml'));
    assert.deepEqual(
      r.triggers.map((t) => t.resource.metadata.name),
      [
        'backend-pr-bot',
        'frontend-pr-bot',
        'infra-pr-bot',
        'github-pr-events',
        'pr-review',
        'issue-triage',
        'production-deploy',
      ],
    );
    const gh = r.daemon.spec.platforms.github;
    assert.equal(gh.token_env, 'GITHUB_TOKEN');
    assert.equal(gh.webhook_secret_env, 'GITHUB_WEBHOOK_SECRET');
    assert.equal(gh.bot_name, 'aofbot');
    assert.equal(r.daemon.spec.triggers?.watch, true);
    const backend = r.triggers.find((t) => t.resource.metadata.name === 'backend-pr-bot')!.resource.spec;
    assert.deepEqual(backend.commands?.['/deploy production']?.params, { require_approval: true });
    assert.deepEqual(backend.config.allowed_users, ['alice', 'bob', 'charlie']);
    const infra = r.triggers.find((t) => t.resource.metadata.name === 'infra-pr-bot')!.resource.spec;
    assert.deepEqual(infra.commands?.['/apply']?.params?.approvers, ['platform-lead', 'sre-oncall']);
    assert.equal(r.triggers[3]!.resource.spec.config.webhook_secret, 'reference-secret');
    assert.equal(r.agents.get('code-reviewer')!.resource.spec.model, 'google:gemini-2.5-flash');
    assert.equal(r.agents.get('github-assistant')!.resource.spec.memory, 'File:./github-cache.json:1000');
    assert.equal(r.fleets.size, 3);
    assert.equal(r.flows.size, 4);
  });

  for (const file of readdirSync(join(dir, 'extra'))) {
    it(`extra/${file}`, () => {
      const parsed = parseResourceFile(file, readFileSync(join(dir, 'extra', file), 'utf8'));
      assert.deepEqual(parsed.problems, []);
      assert.ok(parsed.resources.length >= 1);
    });
  }

  it('the per-organization platform config keeps each org’s variables', () => {
    const parsed = parseResourceFile('m.yaml', readFileSync(join(dir, 'extra/daemon-multi-org.yaml'), 'utf8'));
    const spec = parsed.resources[0]!.resource.spec as { platforms: { github: { organizations: unknown[] } } };
    assert.deepEqual(spec.platforms.github.organizations, [
      { name: 'org1', token_env: 'ORG1_GITHUB_TOKEN', webhook_secret_env: 'ORG1_WEBHOOK_SECRET' },
      { name: 'org2', token_env: 'ORG2_GITHUB_TOKEN', webhook_secret_env: 'ORG2_WEBHOOK_SECRET' },
    ]);
  });
});
