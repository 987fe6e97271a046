// The agent tool loop against a fake Anthropic Messages API: tool calls reach GitHub (the sandbox),
// failures are retried or reported as the API's contract says, and budgets hold.
import { rendered } from '../../src/sandbox/github/server.js';
import { historyText } from '../harness/history-text.js';
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { example } from '../../src/fixtures/webhook-examples.js';
import { FakeAnthropic, overloaded, rateLimited, text, toolUse, tools, systemText } from '../fakes/fake-anthropic.js';
import { daemonYaml, triggerYaml, GITHUB_TEST_PLATFORM } from '../harness/config-dir.js';
import { startStackFor, TEST_ANTHROPIC_KEY, type Stack } from '../harness/stack.js';

const agent = (
  name: string,
  toolList: string[],
  instructions = 'Triage issue #{{ metadata.issue_number }} of {{ metadata.repo_full_name }}.',
) =>
  `apiVersion: aof.dev/v1\nkind: Agent\nmetadata: {name: ${name}}\nspec:\n  model: anthropic:claude-test\n  max_iterations: 4\n  instructions: "${instructions}"\n  tools: [${toolList.join(', ')}]\n`;

describe('agent tool loop with an Anthropic model', function () {
  const fake = new FakeAnthropic();
  let stack: Stack;
  before(async () => {
    stack = await startStackFor(
      {
        'daemon.yaml': daemonYaml(GITHUB_TEST_PLATFORM, '  runtime: {token_budget_per_run: 20000}\n'),
        'agents/a.yaml': agent('llm-triager', ['github_add_labels', 'github_post_comment']),
        'triggers/t.yaml': triggerYaml('issues', 'config:\n  github_events: [issues]\ndefault_agent: llm-triager'),
      },
      { anthropic: fake },
    );
  });
  after(async () => stack?.stop());
  beforeEach(() => {
    fake.reset();
    stack.sandbox.reset();
  });

  const run = async () => {
    const p = example('issues', 'opened');
    const r = await stack.send('issues', p);
    assert.equal(r.status, 201);
    return { handle: stack.client.workflow.getHandle(r.body.workflowId), payload: p };
  };
  const key = (p: any) => `${p.repository.full_name}#${p.issue.number}`;

  it('runs tool calls as activities and posts the final answer as one comment', async () => {
    fake.script(
      tools(['github_add_labels', { labels: ['bug', 'priority:high'] }]),
      text('Labelled as a high-priority bug.'),
    );
    const { handle, payload } = await run();
    const result = await handle.result();
    assert.deepEqual([...stack.sandbox.labels.get(key(payload))!], ['bug', 'priority:high']);
    const comments = stack.sandbox.comments;
    assert.equal(comments.length, 1);
    assert.equal(rendered(comments[0]!.body), 'Labelled as a high-priority bug.');
    assert.equal(result.agent!.turns, 2);
    assert.ok(result.agent!.usage.input_tokens > 0 && result.agent!.usage.output_tokens === 40);

    const [first, second] = fake.requests;
    assert.equal(first!.headers.authorization, `Bearer ${TEST_ANTHROPIC_KEY}`);
    assert.equal(first!.body.model, 'claude-test');
    assert.match(
      systemText(first!.body),
      new RegExp(`^Triage issue #${payload.issue.number} of ${payload.repository.full_name}\\.`),
    );
    assert.deepEqual(
      first!.body.tools.map((t: any) => t.name),
      ['github_add_labels', 'github_post_comment'],
    );
    // The parts every turn repeats are marked for prompt caching: the system prompt and the tool list's end.
    assert.deepEqual(
      first!.body.system.map((b: any) => b.cache_control),
      [{ type: 'ephemeral' }],
    );
    assert.deepEqual(
      first!.body.tools.map((t: any) => t.cache_control),
      [undefined, { type: 'ephemeral' }],
    );
    assert.match(
      first!.body.messages[0].content,
      /<untrusted_github_data>[\s\S]*"title": "Spelling error in the README file"/,
    );
    assert.equal(second!.body.messages[2].content[0].type, 'tool_result');
    assert.match(second!.body.messages[2].content[0].content, /labels now: bug, priority:high/);
    // Usage is recorded in the workflow, visible in the Web UI's memo.
    const memo = (await handle.describe()).memo as { usage: { output_tokens: number }; turns: number };
    assert.equal(memo.turns, 2);
    assert.equal(memo.usage.output_tokens, 40);
  });

  it('a second post from the same run updates its comment in place, and so does the final answer', async () => {
    fake.script(
      toolUse('github_post_comment', { body: 'Looking…' }),
      toolUse('github_post_comment', { body: 'Still looking.' }),
      text('Done: it is a bug.'),
    );
    await (await run()).handle.result();
    assert.equal(stack.sandbox.comments.length, 1);
    assert.equal(rendered(stack.sandbox.comments[0]!.body), 'Done: it is a bug.');
    const edits = stack.sandbox.requests.filter((q) => q.method === 'PATCH' && q.path.includes('/issues/comments/'));
    assert.deepEqual(
      edits.map((q) => (q.body as { body: string }).body),
      ['Still looking.', 'Done: it is a bug.'],
    );
  });

  it('429 waits for retry-after-ms and 529 is retried, each turn then runs once', async () => {
    fake.script(rateLimited(1500), overloaded(), text('fine'));
    await (await run()).handle.result();
    const times = fake.requests.map((r) => r.at);
    assert.equal(times.length, 3);
    assert.ok(times[1]! - times[0]! >= 1450, `retried after ${times[1]! - times[0]!} ms`);
    assert.equal(rendered(stack.sandbox.comments[0]!.body), 'fine');
  });

  it('an invalid tool call is reported back once; the model can correct it', async () => {
    fake.script(
      toolUse('github_add_labels', { labels: 'bug' }),
      toolUse('github_add_labels', { labels: ['bug'] }),
      text('ok'),
    );
    const result = await (await run()).handle.result();
    assert.deepEqual(
      result.agent!.toolCalls.map((c: { ok: boolean }) => c.ok),
      [false, true],
    );
    const report = fake.requests[1]!.body.messages[2].content[0];
    assert.equal(report.is_error, true);
    assert.match(report.content, /invalid input for github_add_labels: labels: /);
  });

  it('a second invalid call ends the run with a clear error', async () => {
    fake.script(toolUse('github_delete_repo', {}), toolUse('github_add_labels', { labels: [], owner: 'x' }));
    const err = await (await run()).handle.result().catch((e) => e);
    assert.ok(err instanceof WorkflowFailedError);
    assert.match(
      String(err.cause?.message),
      /made invalid tool calls again after being told: github_delete_repo: tool "github_delete_repo" is not available to this agent.*\| github_add_labels: invalid input/,
    );
    assert.equal(stack.sandbox.comments.length, 0);
  });

  it('a 400 from the API ends the run at once, without the key in the error', async () => {
    fake.script({ status: 400, error: { type: 'invalid_request_error', message: 'max_tokens: too large' } });
    const { handle } = await run();
    const err = await handle.result().catch((e) => e);
    assert.ok(err instanceof WorkflowFailedError);
    const message = String((err.cause as any)?.cause?.message);
    assert.equal(message, 'Anthropic API answered 400: max_tokens: too large');
    assert.equal(fake.requests.length, 1);
    const history = await historyText(handle);
    assert.match(history, /Anthropic API answered 400/);
    assert.doesNotMatch(history, new RegExp(TEST_ANTHROPIC_KEY));
  });

  it('the token budget ends a run that keeps going', async () => {
    fake.script({
      ...toolUse('github_add_labels', { labels: ['bug'] }),
      usage: { input_tokens: 15000, output_tokens: 6000 },
    });
    const err = await (await run()).handle.result().catch((e) => e);
    assert.match(String(err.cause?.message), /reached its token budget \(21000 > 20000 tokens\) after 1 turn/);
    assert.equal(stack.sandbox.labels.size, 0, 'no tool call after the budget is spent');
  });
});
