// The stale-lock sweep as users configure it: the `lock_sweep` node's config checked by its record, a
// Schedule Trigger that runs it without a repository refused at load (naming file and key), and the
// node's output when it swept something, nothing, or more than one run may cancel.
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError, formatProblem } from '../../src/config/problems.js';
import type { Flow } from '../../src/config/schema.js';
import { FlowSpec } from '../../src/config/schema.js';
import { validateFlow } from '../../src/flows/validate.js';
import { sweepReport } from '../../workflows/flow-nodes/lock-sweep.js';

const known = { agents: new Set<string>(), fleets: new Set<string>() };
const sweepFlow = (config: unknown) => ({
  nodes: [
    { id: 'start', type: 'lock_sweep', config },
    { id: 'done', type: 'end' },
  ],
  connections: [{ from: 'start', to: 'done' }],
});
const problems = (config: unknown) =>
  validateFlow(FlowSpec.parse(sweepFlow(config)) as Flow['spec'], known).map((p) => `${p.path}: ${p.message}`);

describe('the stale-lock sweep, as configured', () => {
  it('lock_sweep: older_than a duration, environments plain names, max at most 50', () => {
    assert.deepEqual(problems({ older_than: '12h', environments: ['staging', 'production'], max: 5 }), []);
    assert.deepEqual(problems({ older_than: 3600 }), []);
    assert.deepEqual(problems({}), [
      'spec.nodes.0.config.older_than: a lock_sweep node needs config.older_than (seconds, or 30m, 12h, 2d)',
    ]);
    assert.deepEqual(problems({ older_than: 'twelve hours' }), [
      'spec.nodes.0.config.older_than: "twelve hours" is not a duration (30m, 12h, 2d)',
    ]);
    assert.deepEqual(problems({ older_than: '1h', environments: ['prod/eu'], max: 500 }), [
      'spec.nodes.0.config.environments.0: an environment name',
      'spec.nodes.0.config.max: Too big: expected number to be <=50',
    ]);
  });

  it('a Schedule Trigger that runs a sweep names its repository, or the file and key say so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aof-sweep-'));
    try {
      for (const sub of ['triggers', 'agents', 'fleets', 'flows']) mkdirSync(join(dir, sub));
      writeFileSync(
        join(dir, 'daemon.yaml'),
        'apiVersion: aof.dev/v1\nkind: DaemonConfig\nmetadata: {name: d}\nspec:\n  platforms:\n    github: {}\n' +
          '  triggers: {directory: triggers}\n  agents: {directory: agents}\n  fleets: {directory: fleets}\n  flows: {directory: flows}\n',
      );
      writeFileSync(
        join(dir, 'flows/sweep.yaml'),
        `apiVersion: aof.dev/v1\nkind: AgentFlow\nmetadata: {name: sweep}\nspec: ${JSON.stringify(sweepFlow({ older_than: '12h' }))}\n`,
      );
      const trigger = (params: string) =>
        `apiVersion: aof.dev/v1\nkind: Trigger\nmetadata: {name: nightly}\nspec:\n  type: Schedule\n  config: {cron: "0 3 * * *"}\n${params}  commands:\n    schedule: {flow: sweep}\n`;
      writeFileSync(join(dir, 'triggers/t.yaml'), trigger('  params: {repository: octo/api}\n'));
      assert.equal(loadConfig(join(dir, 'daemon.yaml')).schedules.length, 1);

      writeFileSync(join(dir, 'triggers/t.yaml'), trigger(''));
      assert.throws(
        () => loadConfig(join(dir, 'daemon.yaml')),
        (e: unknown) =>
          e instanceof ConfigError &&
          e.problems
            .map(formatProblem)
            .some((p) =>
              /triggers\/t\.yaml.*spec\.commands\.schedule\.flow.*step "start" \(a lock_sweep\) sweeps a repository's locks; name it with params\.repository/.test(
                p,
              ),
            ),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the node's output: what it cancelled, what it left, and that more wait for the next run", () => {
    assert.equal(
      sweepReport({ swept: [], kept: 2, deferred: 0, cut: false }, 12 * 3600_000),
      'no lock held longer than 12h; 2 left alone',
    );
    assert.equal(
      sweepReport(
        {
          swept: [
            {
              environment: 'production',
              holder: '#12',
              requester: 'flow/o/r#12/deploy/production',
              heldMs: 47_000_000,
            },
          ],
          kept: 1,
          deferred: 3,
          cut: true,
        },
        12 * 3600_000,
      ),
      'swept 1 lock(s) held longer than 12h; 1 left alone; 3 more stale, left for the next sweep; ' +
        'more locks than one sweep reads: the rest were not looked at\n' +
        'production: cancelled #12 (flow/o/r#12/deploy/production), held 13h 3m',
    );
  });
});
