// Upgrades: histories recorded from real runs (npm run record:histories) replay against today's workflow
// code. A change that would break a workflow running in production fails here; guard it with patched().
// The patch policy (docs/upgrades.md, workflows/patches.ts): a patch becomes deprecatePatch() with its old
// branch deleted once runs started before it have ended; histories of such runs no longer replay and move
// to retired/ (listed in its manifest); the call goes once a history holding its deprecated marker is here.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { PATCHES, windowOf } from '../../workflows/patches.js';
import { workflowBundle } from '../harness/temporal.js';
import { deprecatedPatchIdsOf, patchIdsInCode, patchIdsOf } from './patch-markers.js';
import { WORKFLOW_TYPES } from './workflow-types.js';

const DIR = join(import.meta.dirname, 'histories');
const RETIRED = join(import.meta.dirname, 'retired');

const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();
const eventsOf = (f: string) =>
  (JSON.parse(readFileSync(join(DIR, f), 'utf8')) as { history: { events: [] } }).history.events;
const today = new Date().toISOString().slice(0, 10);

describe('replay of recorded histories', function () {
  this.timeout(120_000);

  it('covers every workflow type', () => {
    const missing = WORKFLOW_TYPES.filter((t) => !files.some((f) => f.startsWith(`${t}-`)));
    assert.deepEqual(missing, [], `record histories for: ${missing.join(', ')}`);
  });

  it("has a recorded history through every patch's new path (patched() and deprecatePatch())", () => {
    const recorded = new Set(files.flatMap((f) => [...patchIdsOf(eventsOf(f))]));
    const inCode = [...patchIdsInCode(), ...patchIdsInCode(undefined, 'deprecatePatch')];
    const missing = inCode.filter((id) => !recorded.has(id));
    assert.deepEqual(
      missing,
      [],
      `npm run record:histories, with a test that takes these paths: ${missing.join(', ')}`,
    );
  });

  it('has a history holding the deprecated marker of every patch removed, or due for removal, after deprecation', () => {
    // Such a history replays once the call is gone (Temporal skips deprecated markers): the proof that
    // removing the call keeps the runs the deprecating release started.
    const recorded = new Set(files.flatMap((f) => [...deprecatedPatchIdsOf(eventsOf(f))]));
    const due = PATCHES.filter(
      (p) =>
        (p.stage === 'removed' && !p.supersededBy) ||
        (p.stage === 'deprecated' && today >= (windowOf(p).removableFrom ?? '9999')),
    );
    const missing = due.filter((p) => !recorded.has(p.name)).map((p) => p.name);
    assert.deepEqual(
      missing,
      [],
      `record (npm run record:histories) a run of the deprecating release through: ${missing.join(', ')}`,
    );
  });

  it('lists every retired history with the deprecated patch that retired it', () => {
    const manifest = JSON.parse(readFileSync(join(RETIRED, 'manifest.json'), 'utf8')) as {
      retired: Record<string, { retiredOn: string; by: string[] }>;
    };
    const retired = readdirSync(RETIRED).filter((f) => f.endsWith('.json') && f !== 'manifest.json');
    assert.deepEqual(retired.sort(), Object.keys(manifest.retired).sort());
    for (const [f, { by }] of Object.entries(manifest.retired)) {
      assert.ok(!existsSync(join(DIR, f)), `${f} is both retired and replayed`);
      for (const name of by)
        assert.notEqual(PATCHES.find((p) => p.name === name)?.stage ?? 'live', 'live', `${f}: ${name} is live`);
    }
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
