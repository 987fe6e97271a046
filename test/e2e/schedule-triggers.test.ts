// Schedule Triggers on Temporal Schedules: `aofctl worker` (a real process) creates one schedule per Trigger at
// start and keeps it in step on every reload; a firing runs the bound agent on the named issue through the
// routed event's path, each firing its own run with its own comment.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type ScheduleDescription } from '@temporalio/client';
import { rendered } from '../../src/sandbox/github/server.js';
import { triggerScheduleId } from '../../src/worker/trigger-schedules.js';
import { FakeAnthropic, systemText, text } from '../fakes/fake-anthropic.js';
import { configDir, daemonYaml, GITHUB_TEST_PLATFORM } from '../harness/config-dir.js';
import { startStack, TEST_ANTHROPIC_KEY, type Stack } from '../harness/stack.js';
import { until } from '../harness/until.js';
import { startWorkerProcess, workerEnvFor, type WorkerProcess } from '../harness/worker-process.js';

const REPO = `nightly-${randomUUID().slice(0, 8)}`;
const OWNER = 'octo-org';

const AGENT = `apiVersion: aof.dev/v1
kind: Agent
metadata: {name: nightly-agent}
spec:
  model: anthropic:claude-test
  max_iterations: 3
  instructions: "Report on issue #{{ metadata.issue_number }} of {{ metadata.repo_full_name }}."
  tools: [github_post_comment]
`;

const schedule = (name: string, config: string) => `apiVersion: aof.dev/v1
kind: Trigger
metadata: {name: ${name}}
spec:
  type: Schedule
  config: ${config}
  params: {repository: ${OWNER}/${REPO}, issue_number: 7}
  commands:
    schedule: {agent: nightly-agent}
`;

describe('Schedule Triggers on Temporal Schedules', function () {
  const fake = new FakeAnthropic();
  let stack: Stack;
  let dir: string;
  let worker: WorkerProcess;
  let id: (trigger: string) => string;

  before(async () => {
    dir = configDir({
      'daemon.yaml': daemonYaml(GITHUB_TEST_PLATFORM),
      'agents/a.yaml': AGENT,
      'triggers/nightly.yaml': schedule(
        'nightly',
        '{cron: "0 2 * * *", timezone: Europe/Berlin, overlap: buffer_one, catchup_window: 2h}',
      ),
      'triggers/paused.yaml': schedule('weekly-paused', '{cron: "0 6 * * MON", paused: true, catchup: skip}'),
    });
    stack = await startStack({ config: join(dir, 'daemon.yaml'), withWorker: false });
    stack.sandbox.addIssue(OWNER, REPO, 7);
    worker = await startWorkerProcess(
      join(dir, 'daemon.yaml'),
      await workerEnvFor(stack, { ANTHROPIC_API_KEY: TEST_ANTHROPIC_KEY, ANTHROPIC_BASE_URL: await fake.start() }),
    );
    id = (trigger) => triggerScheduleId(stack.resources.daemon.spec.temporal.task_queue, trigger);
  });
  after(async () => {
    await worker?.kill();
    for (const t of ['nightly', 'weekly-paused'])
      await stack?.client.schedule
        .getHandle(id(t))
        .delete()
        .catch(() => undefined);
    await stack?.stop();
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const describeSchedule = (trigger: string) => stack.client.schedule.getHandle(id(trigger)).describe();

  it('the worker creates a schedule per Trigger at start: cron, time zone, overlap, catch-up, paused', async () => {
    const d = await describeSchedule('nightly');
    assert.equal(d.spec.timezone, 'Europe/Berlin');
    assert.equal(d.spec.calendars?.length, 1);
    assert.deepEqual(d.spec.calendars![0]!.hour, [{ start: 2, end: 2, step: 1 }]);
    assert.deepEqual(d.spec.calendars![0]!.minute, [{ start: 0, end: 0, step: 1 }]);
    assert.equal(d.policies.overlap, ScheduleOverlapPolicy.BUFFER_ONE);
    assert.equal(d.policies.catchupWindow, 2 * 3600_000);
    assert.equal(d.state.paused, false);
    assert.match(d.state.note ?? '', /^Trigger nightly \(.*nightly\.yaml\): 0 2 \* \* \* in Europe\/Berlin$/);
    assert.equal(d.action.workflowType, 'scheduledTriggerWorkflow');
    assert.equal(d.action.taskQueue, stack.resources.daemon.spec.temporal.task_queue);
    // The action's input is the resolved routed event: resources, never a key or token.
    const input = JSON.stringify(d.action.args);
    for (const secret of [TEST_ANTHROPIC_KEY, 'ghs_test_installation_token', 'test-webhook-secret'])
      assert.ok(!input.includes(secret), `the schedule's input holds a secret: ${secret}`);
    assert.match(input, /"target":\{"kind":"agent","name":"nightly-agent"\}/);

    const paused = await describeSchedule('weekly-paused');
    assert.equal(paused.state.paused, true);
    assert.equal(paused.policies.catchupWindow, 10_000);
    assert.equal(paused.policies.overlap, ScheduleOverlapPolicy.SKIP);
    assert.deepEqual(paused.spec.calendars![0]!.dayOfWeek, [{ start: 'MONDAY', end: 'MONDAY', step: 1 }]);
  });

  /** Fires the schedule now and waits for its run to finish; the run's workflow and run ids. */
  async function fire(trigger: string, before: number): Promise<string> {
    await stack.client.schedule.getHandle(id(trigger)).trigger();
    let d: ScheduleDescription | undefined;
    await until(
      `firing ${before + 1} of ${trigger}`,
      async () => (d = await describeSchedule(trigger)).info.recentActions.length > before,
      { detail: worker.output },
    );
    const { workflowId, firstExecutionRunId } = d!.info.recentActions.at(-1)!.action.workflow;
    const result = await stack.client.workflow.getHandle(workflowId, firstExecutionRunId).result();
    assert.equal(result.agent?.stopped, 'answer');
    // Two firings in one second share a workflow id (Temporal names them to the second): the run tells them apart.
    return `${workflowId}/${firstExecutionRunId}`;
  }

  it('a firing runs the bound agent on the named issue; two firings post two comments', async () => {
    fake.script(text('Nightly report: nothing new.'));
    const first = await fire('nightly', 0);
    const comments = () => stack.sandbox.commentsOn(OWNER, REPO, 7);
    assert.deepEqual(
      comments().map((c) => rendered(c.body)),
      ['Nightly report: nothing new.'],
    );
    // The model was told what it acts on, as for any routed event.
    const request = fake.requests.at(-1)!.body;
    assert.match(systemText(request), new RegExp(`^Report on issue #7 of ${OWNER}/${REPO}\\.`));
    assert.match(
      request.messages[0].content,
      new RegExp(`^Event: schedule on ${OWNER}/${REPO}, issue #7, by schedule:nightly\\.`),
    );

    // The same answer the next night: its own run and its own comment, not mistaken for the first's.
    fake.script(text('Nightly report: nothing new.'));
    const second = await fire('nightly', 1);
    assert.notEqual(second, first);
    assert.deepEqual(
      comments().map((c) => rendered(c.body)),
      ['Nightly report: nothing new.', 'Nightly report: nothing new.'],
    );
    assert.notEqual(comments()[0]!.id, comments()[1]!.id);
    // Each firing's routed event is its own workflow, found in the Web UI by trigger and repository.
    const children = await Promise.all(
      [first, second].map(async (w) => {
        // `<workflow id>/<run id>`: the workflow id has slashes of its own, the run id none.
        const at = w.lastIndexOf('/');
        return (await stack.client.workflow.getHandle(w.slice(0, at), w.slice(at + 1)).fetchHistory()).events!;
      }),
    );
    const childIds = children.map(
      (events) =>
        events.find((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)!
          .startChildWorkflowExecutionInitiatedEventAttributes!.workflowId!,
    );
    assert.equal(new Set(childIds).size, 2);
    for (const c of childIds) assert.match(c, /^github-delivery-schedule-aof-schedule-/);
  });

  it('a reload that changes a cron line updates the schedule; removing the Trigger deletes it', async () => {
    writeFileSync(
      join(dir, 'triggers/nightly.yaml'),
      schedule('nightly', '{cron: ["30 3 * * *", "0 12 * * SAT"], timezone: Europe/Berlin, overlap: buffer_one}'),
    );
    await until(
      'the schedule follows the edit',
      async () => (await describeSchedule('nightly')).spec.calendars?.length === 2,
      { detail: worker.output },
    );
    const d = await describeSchedule('nightly');
    assert.deepEqual(d.spec.calendars![0]!.hour, [{ start: 3, end: 3, step: 1 }]);
    assert.deepEqual(d.spec.calendars![0]!.minute, [{ start: 30, end: 30, step: 1 }]);
    assert.deepEqual(d.spec.calendars![1]!.dayOfWeek, [{ start: 'SATURDAY', end: 'SATURDAY', step: 1 }]);
    // The window it no longer names is the default one again.
    assert.equal(d.policies.catchupWindow, 3600_000);
    await until('the worker logs the change', () =>
      /"change":"updated".*trigger schedule updated/.test(worker.output()),
    );

    // The schedule list (visibility) shows the paused one before the reload that removes it looks for it.
    await until('the paused schedule is listed', async () => {
      for await (const s of stack.client.schedule.list()) if (s.scheduleId === id('weekly-paused')) return true;
      return false;
    });
    rmSync(join(dir, 'triggers/paused.yaml'));
    await until(
      'the removed Trigger’s schedule is deleted',
      async () => {
        try {
          await describeSchedule('weekly-paused');
          return false;
        } catch (err) {
          if (err instanceof ScheduleNotFoundError) return true;
          throw err;
        }
      },
      { detail: worker.output },
    );
    // The other one stays.
    assert.equal((await describeSchedule('nightly')).state.paused, false);
  });
});
