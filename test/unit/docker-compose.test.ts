// No Docker engine runs here, so check that the compose file parses and wires what the README says.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes.js';

const root = resolve(import.meta.dirname, '../..');
const compose = parse(readFileSync(resolve(root, 'docker-compose.yml'), 'utf8'));
const s = compose.services;

describe('docker-compose.yml', () => {
  it('has Temporal on PostgreSQL, the Web UI, the ingress and a worker', () => {
    assert.deepEqual(Object.keys(s).sort(), ['ingress', 'postgresql', 'temporal', 'temporal-admin', 'temporal-ui', 'worker']);
    assert.equal(s.temporal.environment.DB, 'postgres12');
    assert.equal(s.temporal.environment.POSTGRES_SEEDS, 'postgresql');
    assert.equal(s.temporal.depends_on.postgresql.condition, 'service_healthy');
  });

  it('publishes the ports the README names', () => {
    assert.deepEqual(s.temporal.ports, ['7233:7233']);
    assert.deepEqual(s['temporal-ui'].ports, ['8233:8080']);
    assert.deepEqual(s.ingress.ports, ['3000:3000']);
    const readme = readFileSync(resolve(root, 'README.md'), 'utf8');
    for (const port of ['3000', '7233', '8233']) assert.match(readme, new RegExp(`localhost:${port}`));
  });

  it('runs the two processes of one image against Temporal, with secrets from the environment', () => {
    assert.deepEqual(s.ingress.command, ['serve', '--config', 'daemon.yaml']);
    assert.deepEqual(s.worker.command, ['worker', '--config', 'daemon.yaml']);
    assert.equal(s.worker.image, s.ingress.image);
    for (const svc of [s.ingress, s.worker]) {
      assert.equal(svc.environment.TEMPORAL_ADDRESS, 'temporal:7233');
      assert.ok(svc.depends_on.includes('temporal'));
      assert.match(svc.environment.GITHUB_WEBHOOK_SECRET, /^\$\{GITHUB_WEBHOOK_SECRET:\?/);
    }
    assert.match(s.worker.environment.GITHUB_TOKEN, /^\$\{GITHUB_TOKEN:\?/);
    assert.equal(s.ingress.environment.GITHUB_TOKEN, undefined, 'the ingress never calls GitHub');
  });

  it('registers every custom search attribute the code uses', () => {
    const cmd = s['temporal-admin'].command.join(' ');
    for (const key of SEARCH_ATTRIBUTES) assert.match(cmd, new RegExp(`--name ${key.name} --type ${key.type === 'INT' ? 'Int' : 'Keyword'}`));
  });

  it('the Dockerfile copies every folder the processes load', () => {
    const dockerfile = readFileSync(resolve(root, 'Dockerfile'), 'utf8');
    for (const dir of ['bin', 'src', 'workflows', 'activities', 'triggers', 'agents', 'fleets', 'flows']) assert.match(dockerfile, new RegExp(`COPY ${dir} `));
  });
});
