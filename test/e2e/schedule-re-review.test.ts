// A Schedule Trigger bound to a gate (issue 29, the nightly re-review of open pull requests), end to end on the
// GitHub sandbox: its Temporal Schedule fires, the firing lists the repository's open pull requests and asks
// each one's gate to review its current head. Each open pull request gets one review of its head, the closed
// one none; firing again reviews each again (an explicit ask, as `/review`), reusing unchanged verdicts.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { ScheduleDescription } from '@temporalio/client';
import { daemonYaml, GITHUB_TEST_PLATFORM } from '../harness/config-dir.js';
import { startStackFor, type Stack } from '../harness/stack.js';
import { addedFile, pullRequest, sha } from '../harness/synthetic-pr.js';
import { until as waitUntil } from '../harness/until.js';
import { syncTriggerSchedules, triggerScheduleId } from '../../src/worker/trigger-schedules.js';
import { gateWorkflowId } from '../../src/temporal/workflow-ids.js';
import type { RoutedEventResult } from '../../workflows/types.js';

const OWNER = 'rereview-org';
const NAME = `app-${randomUUID().slice(0, 8)}`;
const REPO = `${OWNER}/${NAME}`;

const TRIGGER = `apiVersion: aof.dev/v1
kind: Trigger
metadata: {name: nightly-re-review-${NAME}}
spec:
  type: Schedule
  config: {cron: "0 3 * * *", paused: true}
  params: {repository: ${REPO}}
  commands:
    schedule: {gate: afa}
`;

describe('a Schedule Trigger bound to a gate re-reviews the open pull requests', function () {
  this.timeout(180_000);
  let stack: Stack;
  let scheduleId: string;
  before(async () => {
    stack = await startStackFor({
      'daemon.yaml': daemonYaml(GITHUB_TEST_PLATFORM, '  gates: {directory: gates}\n'),
      'gates/g.yaml': 'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: afa}\nspec:\n  title: AFA\n',
      'triggers/nightly.yaml': TRIGGER,
    });
    // As `aofctl worker` does at start: the Trigger's Temporal Schedule (paused: it fires when triggered).
    await syncTriggerSchedules(stack.client, stack.resources);
    scheduleId = triggerScheduleId(stack.resources.daemon.spec.temporal.task_queue, `nightly-re-review-${NAME}`);
  });
  after(async () => {
    await stack?.client.schedule
      .getHandle(scheduleId)
      .delete()
      .catch(() => undefined);
    await stack?.stop();
  });

  const until = (what: string, done: () => boolean | Promise<boolean>) => waitUntil(what, done, { ms: 120_000 });
  const checksOn = (head: string) => stack.sandbox.checkRuns.filter((c) => c.head_sha === head);
  const completed = (head: string) => checksOn(head).filter((c) => c.status === 'completed');
  const gateState = async (number: number) =>
    stack.client.workflow
      .getHandle(gateWorkflowId(REPO, number))
      .describe()
      .then((d) => String(d.searchAttributes.AofState?.[0] ?? ''))
      .catch(() => '');
  /** A pull request of this file's repository with one changed file, its head derived from `version`. */
  const open = (number: number, version: string, state = 'open') => {
    const head = sha(`${REPO}#${number}@${version}`);
    const p = pullRequest(REPO, number, head);
    p.pull_request.state = state;
    p.pull_request.updated_at = new Date(Date.UTC(2026, 0, 1, 0, number)).toISOString();
    stack.sandbox.addPull(OWNER, NAME, p.pull_request, [
      addedFile(`src/f${number}.ts`, `export function f${number}() {\n  return '${version}';\n}\n`),
    ]);
    return head;
  };

  /** Fires the schedule by hand and answers the firing's result. */
  async function fire(before: number): Promise<RoutedEventResult> {
    const handle = stack.client.schedule.getHandle(scheduleId);
    await handle.trigger();
    let d: ScheduleDescription | undefined;
    await until(`firing ${before + 1}`, async () => (d = await handle.describe()).info.recentActions.length > before);
    const { workflowId, firstExecutionRunId } = d!.info.recentActions.at(-1)!.action.workflow;
    return stack.client.workflow.getHandle(workflowId, firstExecutionRunId).result();
  }

  it('each open pull request gets one review of its head, the closed one none; the next firing reviews each again, reusing unchanged verdicts', async () => {
    const heads = new Map([1, 2, 3].map((n) => [n, open(n, 'v1')]));
    const closed = open(4, 'v1', 'closed');

    const first = await fire(0);
    assert.equal(first.target.kind, 'gate');
    assert.equal(first.reReview?.asked, 3);
    assert.equal(first.reReview?.more, false);
    assert.match(first.reReview!.note, new RegExp(`the afa gate of 3 open pull requests of ${REPO}`));
    for (const [n, head] of heads) await until(`the review of #${n}`, () => completed(head).length === 1);
    for (const n of heads.keys())
      await until(`#${n}'s gate to be idle`, async () => (await gateState(n)).startsWith('idle: '));
    assert.equal(checksOn(closed).length, 0, 'the closed pull request was reviewed');

    // The next night: #2 has a new head; #1 and #3 have not moved, and are reviewed again (an explicit ask,
    // as `/review` is) with their one function's verdict reused, not reviewed twice.
    const moved = open(2, 'v2');
    const second = await fire(1);
    assert.equal(second.reReview?.asked, 3);
    await until("the review of #2's new head", () => completed(moved).length === 1);
    for (const n of [1, 3]) {
      await until(`#${n}'s head reviewed again`, () => completed(heads.get(n)!).length === 2);
      const again = completed(heads.get(n)!)[1]!;
      assert.match(again.output?.summary ?? '', /1 function\(s\) reused from an earlier push \(unchanged\)/);
    }
    assert.equal(completed(heads.get(2)!).length, 1, "#2's old head is not the one reviewed");
    // A retried activity's requests carry the same delivery ids: one review per pull request and firing.
    for (const n of [1, 2, 3])
      await until(`#${n}'s gate to be idle`, async () => (await gateState(n)).startsWith('idle: '));
    assert.deepEqual(
      [1, 3].map((n) => completed(heads.get(n)!).length),
      [2, 2],
    );
  });
});
