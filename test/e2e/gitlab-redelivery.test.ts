// Recovering missed GitLab deliveries end to end (issue 26): a Merge Request Hook (GitLab's documented
// example, src/forges/gitlab/examples/README.md) that GitLab logged as failed (it never reached the
// ingress) is resent by the redelivery schedule (platforms.gitlab.redelivery) through the GitLab
// sandbox's resend endpoint; the ingress accepts it, the gate reviews the merge request once, and the next
// run resends nothing. A delivery the ingress refused (4xx) is never resent.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { gitlabExample } from '../../src/forges/gitlab/examples/index.js';
import { GitLabSandbox } from '../../src/sandbox/gitlab/index.js';
import { GITLAB, redeliveryScheduleId, syncRedeliverySchedules } from '../../src/worker/redelivery-schedule.js';
import type { HookRedeliveryResult } from '../../workflows/redeliver.js';
import { configDir, gitlabDaemonYaml, gitlabTriggerYaml, onGitLabSandbox } from '../harness/config-dir.js';
import { startStack, type Stack } from '../harness/stack.js';
import { until } from '../harness/until.js';

/**
 * A group of this run's own: gates are named by project and merge request, and the dev server's gates of
 * other test files (GitLab's example project) outlive them.
 */
const GROUP = `redelivery-${Date.now().toString(36)}`;
const PROJECT = `${GROUP}/gitlab-test`;
/** GitLab's example, about this run's project. */
const fixture = (name: string) => {
  const p = structuredClone(gitlabExample(name)) as Record<string, any>;
  p.project.path_with_namespace = PROJECT;
  p.project.namespace = GROUP;
  return p;
};
const HEAD = fixture('merge_request.open').object_attributes.last_commit.id as string;
const DIFF = '@@ -0,0 +1,3 @@\n+export function run(input: string) {\n+  return eval(input);\n+}\n';
const SOURCE = 'export function run(input: string) {\n  return eval(input);\n}\n';
const HOOK_ID = 77;

describe('GitLab: recovering missed deliveries (issue 26)', function () {
  this.timeout(120_000);
  const gitlab = new GitLabSandbox();
  let stack: Stack;
  const dir = configDir({
    'daemon.yaml': gitlabDaemonYaml(
      ['triggers', 'gates'],
      `redelivery: {enabled: true, interval_minutes: 60, hooks: [{project: ${PROJECT}, hook_id: ${HOOK_ID}}]}`,
    ),
    'gates/g.yaml': 'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: afa}\nspec:\n  title: AFA\n',
    'triggers/t.yaml': gitlabTriggerYaml(
      'mr-gate',
      `config:\n  projects: ["${GROUP}/*"]\ncommands:\n  merge_request.open: {gate: afa}`,
    ),
  });
  const scheduleId = () => redeliveryScheduleId(stack.resources.daemon.spec.temporal.task_queue, GITLAB);

  before(async () => {
    await gitlab.start();
    const s = gitlab.state;
    s.addUser({ username: 'aofbot', token: 'glpat-bot', bot: true });
    s.addUser({ username: 'root' });
    s.addProject({ pathWithNamespace: PROJECT, id: 1 });
    s.addMember(1, 'aofbot', 40); // Maintainer: may read and resend the project's hook events
    s.addMergeRequest(1, {
      iid: 1,
      author: 'root',
      headSha: HEAD,
      baseSha: 'b'.repeat(40),
      diffs: [{ new_path: 'src/run.ts', new_file: true, diff: DIFF, content: SOURCE }],
    });
    stack = await startStack({
      config: join(dir, 'daemon.yaml'),
      ...onGitLabSandbox(gitlab),
    });
    s.addHook({ project: 1, id: HOOK_ID, url: `${stack.url}/webhook/gitlab`, token: 'gl-secret' });
  });
  after(async () => {
    await stack?.client.schedule
      .getHandle(scheduleId())
      .delete()
      .catch(() => undefined);
    await stack?.stop();
    await gitlab.stop();
  });

  /** Triggers the schedule now and waits for that run's result. */
  async function runOnce(): Promise<HookRedeliveryResult[]> {
    const handle = stack.client.schedule.getHandle(scheduleId());
    const before = (await handle.describe()).info.recentActions.length;
    await handle.trigger();
    let run: { workflowId: string; firstExecutionRunId: string } | undefined;
    await until('the schedule started a run', async () => {
      const recent = (await handle.describe()).info.recentActions;
      run = recent.length > before ? recent[recent.length - 1]!.action.workflow : undefined;
      return run !== undefined;
    });
    return stack.client.workflow.getHandle(run!.workflowId, run!.firstExecutionRunId).result();
  }

  it('resends a delivery that never arrived, once; it has its effect once; the next run resends nothing', async () => {
    const s = gitlab.state;
    // GitLab could not reach the ingress (logged as `internal error`): nothing arrived.
    const missed = await gitlab.deliver(HOOK_ID, 'Merge Request Hook', fixture('merge_request.open'), { status: 0 });
    const key = missed.requestHeaders['Idempotency-Key']!;
    // A delivery the ingress refused: never resent.
    const refused = fixture('merge_request.open');
    refused.object_attributes.iid = 2;
    await gitlab.deliver(HOOK_ID, 'Merge Request Hook', refused, { status: 401 });
    assert.equal(s.statuses.length, 0);

    const changes = await syncRedeliverySchedules(stack.client, stack.resources);
    assert.deepEqual(
      changes.filter((c) => c.tenant === GITLAB).map((c) => [c.scheduleId, c.change]),
      [[scheduleId(), 'created']],
    );
    const first = await runOnce();
    assert.deepEqual(
      first.map((r) => [r.hook, r.listed, r.redelivered, r.refused, r.more, r.error]),
      [[`gitlab:${PROJECT}#${HOOK_ID}`, 2, [key], [], 0, undefined]],
    );
    // GitLab logged the resend as a new event with the same key, carrying the ingress's answer.
    const ofKey = () => s.hooks.get(HOOK_ID)!.events.filter((e) => e.requestHeaders['Idempotency-Key'] === key);
    assert.deepEqual(
      ofKey().map((e) => e.responseStatus),
      ['internal error', '201'],
    );

    // The resent delivery reached the gate, which reviewed the merge request once.
    await until('the gate status is final', () =>
      s.statuses.some((x) => x.sha === HEAD && x.name === 'AFA Gate Check' && ['success', 'failed'].includes(x.status)),
    );
    assert.equal(s.statuses.filter((x) => x.name === 'AFA Gate Check').length, 1);
    const running = gitlab.requests.filter(
      (r) =>
        r.method === 'POST' &&
        r.path.endsWith(`/statuses/${HEAD}`) &&
        (r.body as { state: string }).state === 'running',
    );
    assert.equal(running.length, 1, 'one review');

    // Each failure is resent once: the next run finds nothing (the refused one stays as it is).
    const second = await runOnce();
    assert.deepEqual(
      second.map((r) => [r.redelivered, r.refused, r.error]),
      [[[], [], undefined]],
    );
    assert.equal(ofKey().length, 2);
    assert.equal(
      gitlab.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/resend')).length,
      1,
      'one resend asked of GitLab',
    );
  });
});
