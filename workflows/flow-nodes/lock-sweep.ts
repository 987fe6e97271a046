// `lock_sweep`: cancels the flows that have held an environment lock of the flow's repository for longer
// than `config.older_than` (a deploy stuck, an approval forgotten), so later deploys of that environment
// can go. Each cancelled flow undoes what it did, says on its pull request that the sweep cancelled it, and
// releases the lock itself: the lock is never taken from under a live deploy. At most `config.max` per run
// (default 5); the rest wait for the next sweep. Meant for a Schedule Trigger (triggers/nightly-lock-sweep.yaml).
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { LockActivities, SweepResult } from '../../activities/locks/index.js';
import { durationText } from '../../src/config/duration.js';
import { repositoryKey } from '../../src/temporal/workflow-ids.js';
import { defineNode, duration } from './node-type.js';

/** Holders cancelled per sweep at most, whatever `max` says; and environments one node may name. */
const MAX_SWEPT = 50;
const MAX_ENVIRONMENTS = 50;

export const lockSweepNode = defineNode({
  type: 'lock_sweep',
  // It takes no lock of its own, and undoes nothing.
  acts: false,
  config: (z) =>
    z.looseObject({
      older_than: z.union([z.number().positive(), z.string()], {
        error: 'a lock_sweep node needs config.older_than (seconds, or 30m, 12h, 2d)',
      }),
      environments: z
        .array(z.string().regex(/^[^/\s]+$/, 'an environment name'))
        .max(MAX_ENVIRONMENTS)
        .optional(),
      max: z.number().int().positive().max(MAX_SWEPT).optional(),
    }),
  check: (c) =>
    Number.isNaN(duration(c.older_than, NaN)) || duration(c.older_than, NaN) <= 0
      ? [{ key: 'config.older_than', message: `"${String(c.older_than)}" is not a duration (30m, 12h, 2d)` }]
      : [],
  async run({ config: c }, flow) {
    const repository = flow.input.metadata.repo_full_name;
    if (typeof repository !== 'string' || !repository)
      throw ApplicationFailure.nonRetryable('lock_sweep needs a repository (a Schedule Trigger: params.repository)');
    const { sweepStaleLocks } = proxyActivities<LockActivities>({
      startToCloseTimeout: '2 minutes',
      retry: { maximumAttempts: 5, initialInterval: '2 seconds' },
    });
    const olderThanMs = duration(c.older_than, 0);
    const r = await sweepStaleLocks({
      repoKey: repositoryKey(repository, flow.input.scope.forge ?? 'github'),
      olderThanMs,
      ...(c.environments ? { environments: c.environments } : {}),
      max: c.max ?? 5,
      sweeper: `the stale-lock sweep of flow ${flow.input.flow}`,
    });
    return sweepReport(r, olderThanMs);
  },
});

/** The node's output: what it cancelled (one line each, at most MAX_SWEPT), and what it left. */
export function sweepReport(r: SweepResult, olderThanMs: number): string {
  const lines = r.swept.map(
    (s) => `${s.environment}: cancelled ${s.holder} (${s.requester}), held ${durationText(s.heldMs)}`,
  );
  const head = r.swept.length
    ? `swept ${r.swept.length} lock(s) held longer than ${durationText(olderThanMs)}`
    : `no lock held longer than ${durationText(olderThanMs)}`;
  const tail = [
    `${r.kept} left alone`,
    ...(r.deferred ? [`${r.deferred} more stale, left for the next sweep`] : []),
    ...(r.cut ? ['more locks than one sweep reads: the rest were not looked at'] : []),
  ].join('; ');
  return [`${head}; ${tail}`, ...lines].join('\n');
}
