// An agent's `memory` gives it its earlier exchanges on the same issue (as data, never in the system
// prompt), kept in the configured file across runs; runtime.task_timeout_secs stops a run whose model
// does not answer in time, with the reason posted instead of an answer.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMemoryFile } from '../../activities/memory/conversation-file.js';
import { rendered } from '../../src/sandbox/github/server.js';
import { example } from '../../src/fixtures/webhook-examples.js';
import { FakeAnthropic, systemText, text } from '../fakes/fake-anthropic.js';
import { daemonYaml, triggerYaml, GITHUB_TEST_PLATFORM } from '../harness/config-dir.js';
import { startStackFor, type Stack } from '../harness/stack.js';

describe('agent memory and task timeout', function () {
  const fake = new FakeAnthropic();
  const store = mkdtempSync(join(tmpdir(), 'aof-memory-'));
  const file = join(store, 'conversations.json');
  let stack: Stack;
  before(async () => {
    stack = await startStackFor(
      {
        'daemon.yaml': daemonYaml(GITHUB_TEST_PLATFORM, '  runtime: {task_timeout_secs: 3}\n'),
        'agents/a.yaml': `apiVersion: aof.dev/v1\nkind: Agent\nmetadata: {name: helper}\nspec:\n  model: anthropic:claude-test\n  instructions: Help with the issue.\n  memory: "File:${file}:5"\n`,
        'triggers/t.yaml': triggerYaml('issues', 'config:\n  github_events: [issues]\ndefault_agent: helper'),
      },
      { anthropic: fake },
    );
  });
  after(async () => {
    await stack?.stop();
    rmSync(store, { recursive: true, force: true });
  });
  beforeEach(() => {
    fake.reset();
    stack.sandbox.reset();
  });

  const run = async (title: string) => {
    const p = example('issues', 'opened');
    p.issue.title = title;
    const r = await stack.send('issues', p);
    assert.equal(r.status, 201);
    return stack.client.workflow.getHandle(r.body.workflowId).result();
  };
  const userText = (body: any) => String(body.messages[0].content);

  it('a second run on the same issue sees the first exchange as data, and the file keeps both', async () => {
    fake.script(text('Try clearing the cache first.'));
    await run('Build fails with EACCES');
    assert.doesNotMatch(userText(fake.requests[0]!.body), /"earlier"/);

    fake.script(text('Then the permissions of ~/.npm are wrong.'));
    await run('Still failing after clearing the cache');
    const second = fake.requests[1]!.body;
    assert.match(userText(second), /"earlier"[\s\S]*Build fails with EACCES[\s\S]*Try clearing the cache first\./);
    // Earlier text was written by GitHub users and a model: it stays out of the system prompt.
    assert.doesNotMatch(systemText(second), /EACCES|clearing the cache/);

    const kept = await readMemoryFile({ backend: 'file', path: file, capacity: 5 });
    const [conversation] = Object.values(kept);
    assert.equal(Object.keys(kept).length, 1);
    assert.deepEqual(
      conversation!.map((x) => x.answer),
      ['Try clearing the cache first.', 'Then the permissions of ~/.npm are wrong.'],
    );
    assert.match(conversation![1]!.asked, /Still failing after clearing the cache/);
  });

  it('runtime.task_timeout_secs stops a run whose model does not answer in time, and says so', async () => {
    const before = readFileSync(file, 'utf8');
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    fake.script(async () => (await held, text('too late')));
    try {
      const result = await run('A question the model takes too long on');
      assert.equal(result.agent!.stopped, 'task_timeout');
      assert.equal(result.agent!.turns, 1);
      assert.deepEqual(
        stack.sandbox.comments.map((c) => rendered(c.body)),
        ['Stopped after 3 s (runtime.task_timeout_secs) without a final answer.'],
      );
      // Nothing was answered, so nothing new is remembered.
      assert.equal(readFileSync(file, 'utf8'), before);
    } finally {
      release();
    }
  });
});
