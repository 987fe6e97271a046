// Missed deliveries on Bitbucket (issue 27): Bitbucket Cloud's REST API can neither list a webhook's
// deliveries nor resend one (its request log, with a Resend button, is in the repository's webhook settings
// only), so the forge record says Bitbucket lacks the port's redelivery verb, and a worker starting with
// Bitbucket Triggers creates no schedule for them and says so in one log line, not an error, while GitLab's
// hooks get their schedule as before. Against the real Temporal server's schedules.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { FORGES } from '../../src/config/forges.js';
import { loadConfig } from '../../src/config/load.js';
import {
  GITLAB,
  redeliveryScheduleId,
  syncRedeliveryAndReport,
  unwatchedTriggers,
} from '../../src/worker/redelivery-schedule.js';
import { bitbucketTriggerYaml } from '../harness/bitbucket-stack.js';
import { configDir, gitlabDaemonYaml, triggerYaml } from '../harness/config-dir.js';
import { testTemporal } from '../harness/temporal.js';

const bitbucketTrigger = (name: string) => bitbucketTriggerYaml(name, 'commands:\n  pullrequest:created: {gate: afa}');

describe('Bitbucket: no redelivery, said once (issue 27)', function () {
  const queue = `aof-bb-redelivery-${randomUUID().slice(0, 8)}`;
  const dir = configDir({
    'daemon.yaml':
      gitlabDaemonYaml(
        ['triggers', 'gates'],
        'redelivery: {enabled: true, interval_minutes: 60, hooks: [{project: bb-redelivery/app, hook_id: 7}]}',
      ) + `  temporal: {task_queue: ${queue}}\n`,
    'gates/g.yaml': 'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: afa}\nspec:\n  title: AFA\n',
    'triggers/a.yaml': bitbucketTrigger('bb-one'),
    'triggers/b.yaml': bitbucketTrigger('bb-two'),
  });
  const resources = loadConfig(join(dir, 'daemon.yaml'));
  after(async () => {
    const client = (await testTemporal()).client;
    await client.schedule
      .getHandle(redeliveryScheduleId(queue, GITLAB))
      .delete()
      .catch(() => undefined);
  });

  it('Bitbucket lacks the redelivery verb; GitHub and GitLab have it', () => {
    assert.ok((FORGES.Bitbucket.lacks as readonly string[]).includes('redelivery'));
    assert.ok(!(FORGES.GitHub.lacks as readonly string[]).includes('redelivery'));
    assert.ok(!(FORGES.GitLab.lacks as readonly string[]).includes('redelivery'));
    // Validation has nothing to say of it: no Trigger asks for redelivery.
    assert.deepEqual(
      (resources.warnings ?? []).filter((w) => /redeliver/.test(w.message)),
      [],
    );
  });

  it('a worker starting with Bitbucket Triggers schedules GitLab’s hooks, none for Bitbucket, and logs why, not an error', async () => {
    const client = (await testTemporal()).client;
    const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
    const logger = {
      info: (fields: Record<string, unknown>, message: string) => lines.push({ level: 'info', fields, message }),
      error: (fields: Record<string, unknown>, message: string) => lines.push({ level: 'error', fields, message }),
    };
    await syncRedeliveryAndReport(client, resources, logger as never);
    assert.deepEqual(
      lines.filter((l) => l.level === 'error'),
      [],
    );
    assert.deepEqual(
      lines.map((l) => [l.fields.schedule ?? l.fields.forge, l.message]),
      [
        [redeliveryScheduleId(queue, GITLAB), 'redelivery schedule created'],
        [
          'bitbucket',
          "redelivery skips Bitbucket Triggers: Bitbucket's API cannot list or resend missed webhook deliveries",
        ],
      ],
    );
    assert.deepEqual(lines[1]!.fields.triggers, ['bb-one', 'bb-two']);
    // No schedule names Bitbucket.
    for await (const s of client.schedule.list())
      assert.ok(!(s.scheduleId.startsWith(`aof-redelivery-${queue}`) && /bitbucket/.test(s.scheduleId)), s.scheduleId);
    await client.schedule.getHandle(redeliveryScheduleId(queue, GITLAB)).describe();
  });

  it('without Bitbucket Triggers there is nothing to say', () => {
    const only = loadConfig(
      join(
        configDir({
          'daemon.yaml': gitlabDaemonYaml(['triggers']),
          'triggers/t.yaml': triggerYaml('gh', 'config:\n  github_events: [issues]'),
        }),
        'daemon.yaml',
      ),
    );
    assert.deepEqual(unwatchedTriggers(only), []);
  });
});
