// Upgrades: histories recorded from real runs (npm run record:histories) replay against today's workflow
// code. A change that would break a workflow running in production fails here; guard it with patched().
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../harness/temporal.js';
import { patchIdsInCode, patchIdsOf } from './patch-markers.js';
import { WORKFLOW_TYPES } from './workflow-types.js';

const DIR = join(import.meta.dirname, 'histories');

/**
 * Patches whose new path no new run takes any more (a later patch replaced that path), so no recording
 * can cover it; runs that took it were started by a version no longer deployed.
 */
const NO_LONGER_TAKEN: Record<string, string> = {
  'reused-findings-move-with-their-function':
    "the per-function review path, before 'gate-review-in-batches' (batched reviews move reused findings unconditionally)",
};
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('replay of recorded histories', function () {
  this.timeout(120_000);

  it('covers every workflow type', () => {
    const missing = WORKFLOW_TYPES.filter((t) => !files.some((f) => f.startsWith(`${t}-`)));
    assert.deepEqual(missing, [], `record histories for: ${missing.join(', ')}`);
  });

  it("has a recorded history through every patch's new path", () => {
    const recorded = new Set<string>();
    for (const f of files) {
      const { history } = JSON.parse(readFileSync(join(DIR, f), 'utf8')) as { history: { events: [] } };
      for (const id of patchIdsOf(history.events)) recorded.add(id);
    }
    const missing = patchIdsInCode().filter((id) => !recorded.has(id) && !(id in NO_LONGER_TAKEN));
    assert.deepEqual(
      missing,
      [],
      `npm run record:histories, with a test that takes these paths: ${missing.join(', ')}`,
    );
  });

  it('replays every recorded history without nondeterminism', async () => {
    const histories = files.map((f) => {
      const { workflowId, history } = JSON.parse(readFileSync(join(DIR, f), 'utf8')) as {
        workflowId: string;
        history: unknown;
      };
      return { workflowId, history: historyFromJSON(history), file: f };
    });
    const failures: string[] = [];
    let replayed = 0;
    for await (const r of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) {
      replayed++;
      if (r.error) failures.push(`${r.workflowId}: ${r.error.message.slice(0, 400)}`);
    }
    assert.equal(replayed, files.length);
    assert.deepEqual(failures, []);
  });
});
