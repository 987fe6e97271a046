// A burst of one owner's agent runs against its budget window, as three worker processes send it (three
// activity instances, each batching its own spends): every run is answered, the window counts exactly its
// budget (the counts given out are exactly 1..budget), a sender's own budget holds inside the burst, the
// same deliveries asked again get their first answers, and the window's history holds a handful of batch
// updates, not one update per run (one at a time, the burst took minutes: bench:memory's 1,000 runs).
import assert from 'node:assert/strict';
import { Worker } from '@temporalio/worker';
import { createBudgetActivities, type BudgetAnswer } from '../../activities/quota/budget.js';
import { BUDGET_SLACK_MS, budgetWindow, budgetWorkflowId } from '../../src/temporal/budget-window.js';
import { mapLimit } from '../../workflows/map-limit.js';
import { testTemporal, workflowBundle } from '../harness/temporal.js';

const TASK_QUEUE = 'budget-burst';
const PER_ACCOUNT = 250;
const PER_SENDER = 5;

describe('a burst of one owner’s agent runs against its budget window', function () {
  this.timeout(120_000);
  let worker: Worker;
  let running: Promise<void>;
  before(async () => {
    const env = await testTemporal();
    worker = await Worker.create({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue: TASK_QUEUE,
      workflowBundle: await workflowBundle(),
      activities: {},
    });
    running = worker.run();
  });
  after(async () => {
    worker?.shutdown();
    await running;
  });

  it('counts exactly the budget, in few updates, and answers repeats as the first time', async () => {
    const env = await testTemporal();
    const processes = [0, 1, 2].map(() => createBudgetActivities(async () => env.client, TASK_QUEUE));
    const w = budgetWindow(Date.now(), 60);
    const account = `burst-${Date.now()}`;
    // 300 runs of 100 senders (3 each) and one sender's 20.
    const runs = [
      ...Array.from({ length: 300 }, (_, i) => ({ key: `delivery-${i}`, sender: `user-${i % 100}` })),
      ...Array.from({ length: 20 }, (_, i) => ({ key: `noisy-${i}`, sender: 'noisy' })),
    ];
    /** Run `i` counted by process `p` (of three). */
    const spend = (i: number, p = i % 3) =>
      processes[p]!.spendBudget({
        ...runs[i]!,
        perAccount: PER_ACCOUNT,
        perSender: PER_SENDER,
        account,
        window: w.label,
        closesAt: w.end + BUDGET_SLACK_MS,
      });
    const first: BudgetAnswer[] = await Promise.all(runs.map((_, i) => spend(i)));

    const allowed = first.filter((a) => a.allowed);
    assert.equal(allowed.length, PER_ACCOUNT, 'the window counts exactly its budget');
    assert.deepEqual(
      allowed.map((a) => a.used).sort((x, y) => x - y),
      Array.from({ length: PER_ACCOUNT }, (_, i) => i + 1),
      'each counted run got its own place in the count',
    );
    const noisy = first.filter((_, i) => runs[i]!.sender === 'noisy');
    assert.ok(noisy.filter((a) => a.allowed).length <= PER_SENDER, 'one sender stays within their budget');
    for (const a of first.filter((x) => !x.allowed)) assert.ok(a.over === 'account' || a.over === 'sender');

    // The same deliveries again (redeliveries, retried activities), from other processes: first answers.
    const again = await mapLimit(
      runs.map((_, i) => i),
      64,
      (i) => spend(i, (i + 1) % 3),
    );
    first.forEach((a, i) => {
      assert.equal(again[i]!.allowed, a.allowed, `run ${i} was ${a.allowed ? 'counted' : 'refused'} and then not`);
    });

    const history = await env.client.workflow.getHandle(budgetWorkflowId(TASK_QUEUE, account, w.label)).fetchHistory();
    const updates = (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;
    assert.ok(updates > 0, 'the window counted through updates');
    assert.ok(updates <= 40, `${updates} updates for ${runs.length} runs: the spends were not batched`);
  });
});
