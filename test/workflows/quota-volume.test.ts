// A month's quota past the volume that used to break it (its keys outgrew the 2 MB limit of
// continue-as-new near 32,000 analyses): 60,000 reservations against the enterprise limit of 50,000, on a
// dev server of this test's own whose suggestion to continue as new is lowered (3,000 history events or
// 400 KiB), so the count continues as new dozens of times on the way; Temporal's limit of 10 updates in
// flight on one workflow is left as it is. The reservations go through the activity
// the review workflow calls, concurrently: new heads, the same head twice at once, and heads reserved
// again runs later. Exact: every new head counted once (the counts given out are exactly 1..50,000),
// every repeat gets its first answer; bounded: no payload in any run of the count or a ledger grows with
// the volume.
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createQuotaActivities } from '../../activities/quota/index.js';
import { startDevServer } from '../../src/temporal/dev-server.js';
import { quotaLedgerId, quotaWorkflowId } from '../../src/gate/quota.js';
import type { QuotaGrant } from '../../workflows/definitions.js';
import { mapLimit } from '../../workflows/map-limit.js';
import { largestPayload } from '../harness/history-text.js';
import { workflowBundle } from '../harness/temporal.js';

const LIMIT = 50_000;
const PULLS = 40;
const HEADS = 54_000; // 4,000 more than the limit
const TWICE_AT_ONCE = 4_000;
const LATER = 2_000;
const TASK_QUEUE = 'quota-volume';

const keyOf = (i: number) => `octo/app#${i % PULLS}@${(i * 2654435761).toString(16).padStart(40, '0')}`;

describe('a month of 60,000 quota reservations', function () {
  this.timeout(600_000);
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  before(async () => {
    env = await startDevServer({
      // Reservations arrive in batches (a few dozen history events for 200 keys), so the size suggestion
      // is what makes the count continue as new here: every 1,500 keys or so.
      dynamicConfig: {
        'limit.historyCount.suggestContinueAsNew': 3000,
        'limit.historySize.suggestContinueAsNew': 400 * 1024,
      },
    });
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      workflowBundle: await workflowBundle(),
      activities: createQuotaActivities(async () => env.client, TASK_QUEUE),
    });
    running = worker.run();
  });
  after(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
  });

  it('counts each head once, answers repeats as the first time, and stays bounded', async () => {
    const { reserveQuota } = createQuotaActivities(async () => env.client, TASK_QUEUE);
    const account = 'installation-60000';
    const month = new Date().toISOString().slice(0, 7);
    const reserve = (i: number) => reserveQuota({ account, month, limit: LIMIT, key: keyOf(i) });

    // New heads, every 13th of the first 52,000 reserved twice at the same moment.
    const first = new Array<QuotaGrant>(HEADS);
    let twice = 0;
    await mapLimit(
      Array.from({ length: HEADS }, (_, i) => i),
      200,
      async (i) => {
        if (i % 13 !== 0 || twice >= TWICE_AT_ONCE) return void (first[i] = await reserve(i));
        twice++;
        const [a, b] = await Promise.all([reserve(i), reserve(i)]);
        assert.deepEqual(a, b, `head ${i} reserved twice at once got two answers`);
        first[i] = a;
      },
    );
    assert.equal(twice, TWICE_AT_ONCE);

    const granted = first.filter((g) => g.allowed).map((g) => g.used);
    assert.equal(granted.length, LIMIT, 'every head up to the limit is counted, and none beyond');
    assert.deepEqual(
      [...new Set(granted)].sort((a, b) => a - b),
      Array.from({ length: LIMIT }, (_, i) => i + 1),
      'each head got a count of its own: none was counted twice',
    );
    for (const g of first.filter((g) => !g.allowed)) assert.deepEqual(g, { allowed: false, used: LIMIT, limit: LIMIT });

    // Heads reserved again, all of them runs after they were counted (every 13th, the first ones).
    const later = Array.from({ length: LATER }, (_, n) => (n * 13) % HEADS);
    const again = await mapLimit(later, 200, reserve);
    later.forEach((i, n) => assert.deepEqual(again[n], first[i], `head ${i} reserved again got another answer`));

    const count = env.client.workflow.getHandle(quotaWorkflowId(account, month));
    const runs: string[] = [];
    for await (const w of env.client.workflow.list({
      query: `WorkflowId = '${count.workflowId}' AND ExecutionStatus = 'ContinuedAsNew'`,
    }))
      runs.push(w.runId);
    assert.ok(runs.length >= 20, `the count continued as new only ${runs.length} times: the test proves little`);

    // Bounded: the largest payload of the count's runs (the Bloom filter, and one run's keys on their way
    // to the ledgers) and of the ledgers (one pull request's heads) is far under Temporal's limits and
    // does not grow with the month: the later half of the runs carries no more than the earlier half.
    const sizes = await mapLimit(runs.reverse(), 4, (runId) =>
      largestPayload(env.client.workflow.getHandle(count.workflowId, runId)),
    );
    for (const size of sizes) assert.ok(size < 256 * 1024, `a payload of ${size} bytes in the count`);
    const half = Math.floor(sizes.length / 2);
    const [early, late] = [Math.max(...sizes.slice(0, half)), Math.max(...sizes.slice(half))];
    assert.ok(late < early + 16 * 1024, `early runs carry up to ${early} bytes, later ones ${late}`);
    const ledger = await largestPayload(env.client.workflow.getHandle(quotaLedgerId(account, month, keyOf(0))));
    assert.ok(ledger < 256 * 1024, `a payload of ${ledger} bytes in a ledger`);
  });
});
