// Redelivery per tenant: each organization with its own secret gets its own schedule, and its hooks are
// listed and redelivered with its own credentials only, never the global token.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createRedeliveryActivities, type ListFailedResult } from '../../activities/redelivery/index.js';
import { githubClients } from '../../src/forges/github/client.js';
import { redeliveryTenants } from '../../src/forges/github/webhook-hooks.js';
import type { HookRef } from '../../src/forges/hooks.js';
import { loadConfig, type Resources } from '../../src/config/load.js';
import { redeliveryScheduleId } from '../../src/worker/redelivery-schedule.js';
import { agentYaml, configDir, daemonYaml } from '../harness/config-dir.js';

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

describe('redelivery per tenant', () => {
  let dir: string;
  let resources: Resources;
  let server: Server;
  /** Path and credentials of each request the fake GitHub received. */
  let seen: { method: string; path: string; auth: string }[] = [];
  const env = { AOF_T_GLOBAL_TOKEN: 'global-token', AOF_T_ACME_TOKEN: 'acme-token', AOF_T_SECRET: 's' };

  before(async () => {
    server = createServer((req, res) => {
      const path = req.url!.split('?')[0]!;
      seen.push({ method: req.method!, path, auth: String(req.headers.authorization) });
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST') return void res.writeHead(202).end('{}');
      const delivered_at = new Date().toISOString();
      const listed = [
        { id: 1, guid: 'g-500', delivered_at, redelivery: false, status_code: 500, event: 'issues' },
        { id: 2, guid: 'g-401', delivered_at, redelivery: false, status_code: 401, event: 'issues' },
      ];
      res.end(JSON.stringify(listed));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const api = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    dir = configDir({
      'daemon.yaml': daemonYaml(
        [
          `api_url: ${api}`,
          'token_env: AOF_T_GLOBAL_TOKEN',
          'webhook_secret_env: AOF_T_SECRET',
          'organizations:',
          '  - {name: Acme, token_env: AOF_T_ACME_TOKEN, webhook_secret_env: AOF_T_SECRET_ACME}',
          '  - {name: nocreds, webhook_secret_env: AOF_T_SECRET_NOCREDS}',
          'redelivery:',
          '  enabled: true',
          '  hooks:',
          '    - {repository: octo/hooks, hook_id: 1}',
          '    - {organization: acme, hook_id: 2}',
          '    - {repository: acme/site, hook_id: 3}',
          '    - {organization: nocreds, hook_id: 4}',
        ].join('\n'),
      ),
      'agents/a.yaml': agentYaml('helper'),
    });
    resources = loadConfig(join(dir, 'daemon.yaml'));
  });
  beforeEach(() => (seen = []));
  after(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives each organization with its own secret a schedule of its own, with its hooks only', () => {
    const tenants = redeliveryTenants(resources.daemon);
    assert.deepEqual(
      tenants.map((t) => [t.tenant, t.hooks.map((h) => (h.kind === 'app' ? 'app' : h.hookId))]),
      [
        ['global', [1]],
        ['org:Acme', [2, 3]],
        ['org:nocreds', [4]],
      ],
    );
    const ids = tenants.map((t) => redeliveryScheduleId('q', t.tenant));
    assert.deepEqual(ids, ['aof-redelivery-q', 'aof-redelivery-q-org-Acme', 'aof-redelivery-q-org-nocreds']);
  });

  it("lists and redelivers each hook with its tenant's own credentials, and refuses to use another's", async () => {
    const gh = resources.daemon.spec.platforms.github;
    const activities = createRedeliveryActivities({
      clientFor: githubClients(resources.daemon, dir, env),
      organizations: () => gh.organizations ?? [],
      hasApp: false,
    });
    const run = async (hook: HookRef) => {
      const mock = new MockActivityEnvironment({}, { logger: quiet });
      const found: ListFailedResult = await mock.run(() =>
        activities.listFailedDeliveries({ hook, maxAgeHours: 71, limit: 10 }),
      );
      for (const delivery of found.failed) await mock.run(() => activities.redeliverDelivery({ hook, delivery }));
      return found.failed.map((d) => d.guid);
    };
    for (const tenant of redeliveryTenants(resources.daemon).slice(0, 2))
      for (const hook of tenant.hooks) assert.deepEqual(await run(hook), ['g-500'], 'the 401 is not resent');
    assert.deepEqual(
      seen.map((r) => `${r.method} ${r.path} ${r.auth.replace(/^token /, '')}`),
      [
        'GET /repos/octo/hooks/hooks/1/deliveries global-token',
        'POST /repos/octo/hooks/hooks/1/deliveries/1/attempts global-token',
        'GET /orgs/acme/hooks/2/deliveries acme-token',
        'POST /orgs/acme/hooks/2/deliveries/1/attempts acme-token',
        'GET /repos/acme/site/hooks/3/deliveries acme-token',
        'POST /repos/acme/site/hooks/3/deliveries/1/attempts acme-token',
      ],
    );

    // An organization without credentials of its own is not read with the global token.
    seen = [];
    await assert.rejects(run({ kind: 'organization', org: 'nocreds', hookId: 4 }), /no credentials of its own/);
    assert.deepEqual(seen, []);
  });
});
