// No Docker engine runs here, so check that the compose file parses and wires what docs/operations.md
// says, and run its namespace script against the test's real Temporal server.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes.js';
import { temporalCliPath } from '../../src/temporal/cli-locator.js';
import { testTemporal } from '../harness/temporal.js';

const root = resolve(import.meta.dirname, '../..');
// merge: the file shares the Temporal database settings with a YAML anchor, as compose allows.
const compose = parse(readFileSync(resolve(root, 'docker-compose.yml'), 'utf8'), { merge: true });
const s = compose.services;
const namespaceScript = resolve(root, 'deploy/compose/temporal-namespace.sh');
const schemaScript = resolve(root, 'deploy/compose/temporal-schema.sh');

describe('docker-compose.yml', () => {
  it('has Temporal on PostgreSQL with a schema job, the Web UI, the ingress and a worker', () => {
    assert.deepEqual(Object.keys(s).sort(), [
      'ingress',
      'postgresql',
      'temporal',
      'temporal-namespace',
      'temporal-schema',
      'temporal-ui',
      'worker',
    ]);
    assert.match(s.temporal.image, /^temporalio\/server:1\.(29|[3-9]\d)/);
    assert.ok(!JSON.stringify(compose).includes('auto-setup'), 'temporalio/auto-setup is deprecated');
    assert.equal(s.temporal.environment.DB, 'postgres12');
    assert.equal(s.temporal.environment.POSTGRES_SEEDS, 'postgresql');
    assert.match(s['temporal-schema'].image, /^temporalio\/admin-tools:/);
    assert.deepEqual(s['temporal-schema'].entrypoint, ['/bin/sh', '/scripts/temporal-schema.sh']);
    assert.match(readFileSync(schemaScript, 'utf8'), /temporal-sql-tool[\s\S]*update-schema/);
  });

  it('starts each service after what it needs is healthy or done', () => {
    assert.equal(s['temporal-schema'].depends_on.postgresql.condition, 'service_healthy');
    assert.equal(s.temporal.depends_on['temporal-schema'].condition, 'service_completed_successfully');
    assert.equal(s['temporal-namespace'].depends_on.temporal.condition, 'service_healthy');
    assert.equal(s['temporal-ui'].depends_on.temporal.condition, 'service_healthy');
    for (const svc of [s.ingress, s.worker])
      assert.equal(svc.depends_on['temporal-namespace'].condition, 'service_completed_successfully');
    for (const name of ['postgresql', 'temporal', 'ingress', 'worker'])
      assert.ok(s[name].healthcheck?.test, `${name} has a healthcheck`);
  });

  it('restarts long-running services and never restarts the one-shot jobs', () => {
    for (const name of ['postgresql', 'temporal', 'temporal-ui', 'ingress', 'worker'])
      assert.equal(s[name].restart, 'unless-stopped', name);
    for (const name of ['temporal-schema', 'temporal-namespace']) assert.equal(s[name].restart, 'no', name);
  });

  it('publishes the ports docs/operations.md names on 127.0.0.1 unless AOF_BIND says otherwise', () => {
    assert.deepEqual(s.temporal.ports, ['${AOF_BIND:-127.0.0.1}:7233:7233']);
    assert.deepEqual(s['temporal-ui'].ports, ['${AOF_BIND:-127.0.0.1}:8233:8080']);
    assert.deepEqual(s.ingress.ports, ['${AOF_BIND:-127.0.0.1}:3000:3000']);
    for (const svc of Object.values<any>(s))
      for (const p of svc.ports ?? []) assert.match(p, /^\$\{AOF_BIND:-127\.0\.0\.1\}:/);
    const doc = readFileSync(resolve(root, 'docs/operations.md'), 'utf8');
    for (const port of ['3000', '7233', '8233']) assert.match(doc, new RegExp(`localhost:${port}`));
    assert.match(doc, /AOF_BIND/);
  });

  it('runs the two processes of one image against Temporal, with secrets from the environment', () => {
    assert.deepEqual(s.ingress.command, ['serve', '--config', 'daemon.yaml']);
    assert.deepEqual(s.worker.command, ['worker', '--config', 'daemon.yaml']);
    assert.equal(s.worker.image, s.ingress.image);
    for (const svc of [s.ingress, s.worker]) {
      assert.equal(svc.environment.TEMPORAL_ADDRESS, 'temporal:7233');
      assert.match(svc.environment.GITHUB_WEBHOOK_SECRET, /^\$\{GITHUB_WEBHOOK_SECRET:\?/);
    }
    assert.match(s.worker.environment.GITHUB_TOKEN, /^\$\{GITHUB_TOKEN:\?/);
    assert.equal(s.ingress.environment.GITHUB_TOKEN, undefined, 'the ingress never calls GitHub');
  });

  it('registers every custom search attribute the code uses, hiding no failure', () => {
    const script = readFileSync(namespaceScript, 'utf8');
    assert.doesNotMatch(script, /\|\|\s*true/);
    for (const key of SEARCH_ATTRIBUTES)
      assert.match(script, new RegExp(`${key.name}:${key.type === 'INT' ? 'Int' : 'Keyword'}\\b`));
  });
});

describe('deploy/compose/temporal-namespace.sh against a real Temporal server', function () {
  this.timeout(90_000);
  // The script runs `temporal` from PATH, as in the admin-tools image.
  const run = (env: Record<string, string>) =>
    spawnSync('/bin/sh', [namespaceScript], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, PATH: `${dirname(temporalCliPath())}:${process.env.PATH}`, ...env },
    });

  it('registers a new namespace with the search attributes, and a second run succeeds too', async () => {
    const env = await testTemporal();
    const address = env.connection.options.address;
    const namespace = `aof-compose-${randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 2; i++) {
      const r = run({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace });
      assert.equal(r.status, 0, r.stderr + r.stdout);
    }
    const { customAttributes } = await env.connection.operatorService.listSearchAttributes({ namespace });
    for (const key of SEARCH_ATTRIBUTES)
      assert.ok(customAttributes?.[key.name] !== undefined, `${key.name} registered`);
  });

  it('fails visibly when Temporal cannot be reached', () => {
    const r = run({ TEMPORAL_ADDRESS: '127.0.0.1:1', WAIT_ATTEMPTS: '1' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /not healthy/);
  });
});
