// The upgrade policy (docs/upgrades.md): every patched()/deprecatePatch() in workflows/ has its record in
// workflows/patches.ts, in the stage the code shows, and no patch outlives its window: this test starts
// failing on the day a `patched()` should have become `deprecatePatch()`, or a `deprecatePatch()` should
// have gone.
import assert from 'node:assert/strict';
import { LIFETIME_DAYS, MAX_LIVE, PATCHES, windowOf, type PatchRecord } from '../../workflows/patches.js';
import { dynamicPatchCalls, patchIdsInCode } from '../replay/patch-markers.js';
import { overdue, registryProblems, type PatchCalls } from '../replay/patch-policy.js';
import { WORKFLOW_TYPES } from '../replay/workflow-types.js';

const today = new Date().toISOString().slice(0, 10);
const calls: PatchCalls = {
  patched: patchIdsInCode(undefined, 'patched'),
  deprecated: patchIdsInCode(undefined, 'deprecatePatch'),
  dynamic: dynamicPatchCalls(),
};

describe('patch policy (workflows/patches.ts)', () => {
  it('records every patched() and deprecatePatch() call in workflows/, in the stage the code shows', () => {
    assert.ok(calls.patched.length + calls.deprecated.length > 0, 'the scan found no calls at all');
    assert.deepEqual(registryProblems(PATCHES, calls), []);
  });

  it(`keeps at most ${MAX_LIVE} patched() calls live`, () => {
    assert.ok(calls.patched.length <= MAX_LIVE, `live: ${calls.patched.join(', ')}`);
  });

  it('knows the lifetime of every workflow type the worker registers', () => {
    assert.deepEqual(Object.keys(LIFETIME_DAYS).sort(), [...WORKFLOW_TYPES].sort());
  });

  it(`has no patch past its window today (${today})`, () => {
    assert.deepEqual(overdue(PATCHES, today), []);
  });

  describe('the check itself', () => {
    const live: PatchRecord = { name: 'x', introduced: '2026-12-04', workflows: ['envLockWorkflow'], stage: 'live' };

    it('a live patch is due for deprecation a week after every run started without it can have ended', () => {
      assert.deepEqual(windowOf(live), { deprecatableFrom: '2026-12-11', deprecateBy: '2026-12-18' });
      assert.deepEqual(overdue([live], '2026-12-18'), []);
      assert.match(overdue([live], '2026-12-19')[0]!, /patched\('x'\) outlived its window/);
    });

    it('a deprecated patch is due for removal once runs that wrote its patched() marker can have ended', () => {
      const deprecated: PatchRecord = {
        ...live,
        stage: 'deprecated',
        deprecatedOn: '2026-12-11',
        removableAfter: '2026-12-18',
      };
      assert.deepEqual(registryProblems([deprecated], { patched: [], deprecated: ['x'], dynamic: [] }), []);
      assert.deepEqual(overdue([deprecated], '2026-12-25'), []);
      assert.match(overdue([deprecated], '2026-12-26')[0]!, /deprecatePatch\('x'\) outlived its window/);
    });

    it('a lifetime that grew counts from the day it grew: earlier runs keep the bound they had', () => {
      const flow: PatchRecord = { name: 'f', introduced: '2026-12-04', workflows: ['flowRunWorkflow'], stage: 'live' };
      assert.equal(windowOf(flow).deprecatableFrom, '2026-12-11');
      assert.equal(windowOf({ ...flow, introduced: '2026-12-05' }).deprecatableFrom, '2027-01-05');
    });

    it('quota months count to the day after their month ends', () => {
      const quota: PatchRecord = { ...live, introduced: '2026-11-24', workflows: ['quotaWorkflow'] };
      assert.equal(windowOf(quota).deprecatableFrom, '2026-12-02');
      assert.equal(windowOf({ ...quota, introduced: '2026-12-31' }).deprecatableFrom, '2027-01-02');
    });

    it('finds a call without a record, a record without its call, and steps taken too early', () => {
      const none: PatchCalls = { patched: [], deprecated: [], dynamic: [] };
      assert.match(registryProblems([], { ...none, patched: ['y'] }).join(), /patched\('y'\) has no record/);
      assert.match(registryProblems([live], none).join(), /no patched\('x'\)/);
      assert.match(
        registryProblems([live], { ...none, deprecated: ['x'] }).join(),
        /deprecatePatch\('x'\) is in the code but recorded as live/,
      );
      assert.match(
        registryProblems([{ ...live, stage: 'deprecated', deprecatedOn: '2026-12-05', removableAfter: '2026-12-12' }], {
          ...none,
          deprecated: ['x'],
        }).join(),
        /before runs started without it can have ended \(2026-12-11\)/,
      );
      assert.match(
        registryProblems(
          [
            {
              ...live,
              stage: 'removed',
              deprecatedOn: '2026-12-11',
              removableAfter: '2026-12-18',
              removedOn: '2026-12-12',
            },
          ],
          none,
        ).join(),
        /before runs that hold its patched\(\) marker can have ended/,
      );
      assert.match(registryProblems([], { ...none, dynamic: ['a.ts: patched(id)'] }).join(), /string literal/);
      const six = [1, 2, 3, 4, 5, 6].map((i) => ({ ...live, name: `p${i}` }));
      assert.match(
        registryProblems(six, { ...none, patched: six.map((p) => p.name) }).join(),
        /6 live patched\(\) calls/,
      );
    });
  });
});
