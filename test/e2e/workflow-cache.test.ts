// A worker keeps at most runtime.max_cached_workflows runs in memory: open gates wait for days, and each
// cached run holds memory meanwhile (bench:memory). A gate beyond the cache is replayed from its history
// when its next push comes, and reviews it like any other.
import assert from 'node:assert/strict';
import { gateConfig } from '../harness/config-dir.js';
import { startStackFor, type Stack } from '../harness/stack.js';
import { addedFile, sendPull } from '../harness/synthetic-pr.js';
import { until } from '../harness/until.js';

const REPO = 'cache-org/app';
const CACHED = 2;

describe('a worker with a small workflow cache', function () {
  this.timeout(120_000);
  let stack: Stack;
  before(async () => {
    stack = await startStackFor(gateConfig(['pull_request'], '  pull_request: {gate: afa}'), {
      mutate: (r) => (r.daemon.spec.runtime.max_cached_workflows = CACHED),
    });
  });
  after(async () => stack?.stop());

  const completed = (head: string) =>
    stack.sandbox.checkRuns.some((c) => c.head_sha === head && c.status === 'completed');
  const file = (n: number, v: string) => addedFile(`src/f${n}.ts`, `export function f${n}() {\n  return '${v}';\n}\n`);

  it(`holds at most ${CACHED} runs, and a gate evicted from it still reviews the next push`, async () => {
    const heads: string[] = [];
    for (let n = 1; n <= 5; n++) heads.push((await sendPull(stack, REPO, n, [file(n, 'v1')])).head);
    await until('five reviews', () => heads.every(completed));
    const [main] = stack.workers;
    assert.equal(main!.options.maxCachedWorkflows, CACHED);
    assert.deepEqual(
      main!.options.tuner.workflowTaskSlotSupplier,
      { type: 'fixed-size', numSlots: CACHED },
      'more workflow task slots than cached runs',
    );
    assert.ok(main!.getStatus().numCachedWorkflows <= CACHED, `${main!.getStatus().numCachedWorkflows} cached`);

    // The first pull request's gate was evicted long ago (four gates and their reviews came after it).
    const { head } = await sendPull(stack, REPO, 1, [file(1, 'v2')], 'synchronize');
    await until("the evicted gate's review of the new head", () => completed(head));
    assert.ok(main!.getStatus().numCachedWorkflows <= CACHED);
  });
});
