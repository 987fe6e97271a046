// Agents with an output_schema (AOF's typed answers) against a fake Anthropic API: an invalid answer is
// explained to the model and asked again, `fail` and exhausted retries end the run with the reason,
// `passthrough` keeps the answer with a warning, and a flow's condition reads a field of the answer.
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { rendered } from '../../src/sandbox/github/server.js';
import { example } from '../../src/fixtures/webhook-examples.js';
import { FakeAnthropic, systemText, text } from '../fakes/fake-anthropic.js';
import { daemonYaml, triggerYaml, GITHUB_TEST_PLATFORM } from '../harness/config-dir.js';
import { historyText } from '../harness/history-text.js';
import { startStackFor, type Stack } from '../harness/stack.js';

const schema = (controls: string) =>
  `  output_schema:\n    type: object\n    properties:\n      verdict: {enum: [approve, reject]}\n      score: {type: integer}\n    required: [verdict, score]\n${controls}`;
const agent = (name: string, controls: string) =>
  `apiVersion: aof.dev/v1\nkind: Agent\nmetadata: {name: ${name}}\nspec:\n  model: anthropic:claude-test\n  instructions: Judge the change.\n${schema(controls)}`;

const FLOW = `apiVersion: aof.dev/v1
kind: AgentFlow
metadata: {name: route}
spec:
  nodes:
    - {id: start, type: agent, config: {agent: typed}}
    - {id: approved, type: end}
    - {id: rejected, type: end}
  connections:
    - {from: start, to: approved, when: "start.output.verdict == 'approve' && start.output.score >= 5"}
    - {from: start, to: rejected, when: "start.output.verdict != 'approve' || start.output.score < 5"}
`;

/** Every message of a failure and its causes. */
const messages = (e: unknown): string => {
  const out: string[] = [];
  for (let c = e as { message?: string; cause?: unknown } | undefined; c; c = c.cause as typeof c)
    out.push(String(c.message));
  return out.join(' <- ');
};

describe('agents with an output_schema', function () {
  const fake = new FakeAnthropic();
  let stack: Stack;
  before(async () => {
    stack = await startStackFor(
      {
        'daemon.yaml': daemonYaml(GITHUB_TEST_PLATFORM, '  flows: {directory: flows}\n'),
        'agents/a.yaml': [
          agent('typed', '    max_retries: 1\n'),
          agent('typed-fail', '    on_validation_error: fail\n'),
          agent('typed-pass', '    on_validation_error: passthrough\n'),
        ].join('---\n'),
        'flows/f.yaml': FLOW,
        'triggers/t.yaml': triggerYaml(
          'cmds',
          'config:\n  github_events: [issue_comment]\ncommands:\n  /typed: {agent: typed}\n  /typed-fail: {agent: typed-fail}\n  /typed-pass: {agent: typed-pass}\n  /route: {flow: route}\n',
        ),
      },
      { anthropic: fake },
    );
  });
  after(async () => stack?.stop());
  beforeEach(() => {
    fake.reset();
    stack.sandbox.reset();
  });

  /** A command on an issue of a repository of this test's own (workflow ids outlive a test). */
  const command = async (body: string, repo: string) => {
    const p = example('issue_comment', 'created');
    p.comment.body = body;
    p.repository.name = repo;
    p.repository.full_name = `${p.repository.owner.login}/${repo}`;
    const r = await stack.send('issue_comment', p);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return stack.client.workflow.getHandle(r.body.workflowId);
  };

  it('an invalid answer is explained to the model, which answers again; the validated object is the result', async () => {
    fake.script(text('{"verdict": "maybe"}'), text('Here:\n```json\n{"verdict": "approve", "score": 8}\n```'));
    const handle = await command('/typed', 'typed-retry');
    const result = (await handle.result()).agent!;
    assert.deepEqual(result.output, { verdict: 'approve', score: 8 });
    assert.equal(result.outputWarning, undefined);
    assert.equal(result.turns, 2);
    // The system prompt gives the schema; the second request says exactly what was wrong.
    assert.match(
      systemText(fake.requests[0]!.body),
      /must be one JSON value matching this JSON Schema[\s\S]*"verdict"/,
    );
    const retry = fake.requests[1]!.body.messages[2];
    assert.equal(retry.role, 'user');
    assert.match(retry.content, /attempt 1 of 1/);
    assert.match(retry.content, /- \/verdict: must be equal to one of the allowed values \("approve", "reject"\)/);
    assert.match(retry.content, /- \(the answer\): must have required property 'score'/);
    // The posted comment is the answer as the model wrote it.
    assert.equal(stack.sandbox.comments.length, 1);
    assert.match(
      rendered(stack.sandbox.comments[0]!.body),
      /^Here:\n```json\n\{"verdict": "approve", "score": 8\}\n```$/,
    );
  });

  it('retries used up: the run fails with the reason and posts nothing', async () => {
    fake.script(text('not json at all'), text('{"verdict": "approve", "score": "high"}'));
    const err = await (await command('/typed', 'typed-exhausted')).result().catch((e) => e);
    assert.ok(err instanceof WorkflowFailedError);
    assert.match(
      messages(err),
      /agent "typed" gave an answer that does not match its output_schema after 1 retry: \/score: must be integer/,
    );
    assert.equal(fake.requests.length, 2);
    assert.match(fake.requests[1]!.body.messages[2].content, /the answer is not JSON/);
    assert.equal(stack.sandbox.comments.length, 0);
  });

  it('on_validation_error: fail ends the run at the first invalid answer, saying why', async () => {
    fake.script(text('{"verdict": "approve", "score": 3, "note": "extra"}'));
    const err = await (await command('/typed-fail', 'typed-fail')).result().catch((e) => e);
    assert.ok(err instanceof WorkflowFailedError);
    assert.match(
      messages(err),
      /agent "typed-fail" gave an answer that does not match its output_schema: \(the answer\): must NOT have additional properties \("note"\)/,
    );
    assert.equal(fake.requests.length, 1, 'not asked again');
  });

  it('on_validation_error: passthrough keeps the answer with a warning in the result and the run details', async () => {
    fake.script(text('{"verdict": "approve"}'));
    const handle = await command('/typed-pass', 'typed-pass');
    const result = (await handle.result()).agent!;
    assert.deepEqual(result.output, { verdict: 'approve' });
    assert.match(
      result.outputWarning!,
      /kept as it is \(passthrough\): \(the answer\): must have required property 'score'/,
    );
    assert.equal(fake.requests.length, 1);
    assert.equal(rendered(stack.sandbox.comments[0]!.body), '{"verdict": "approve"}');
    const agentRun = (await historyText(handle)).includes('passthrough');
    assert.ok(agentRun, "the warning is in the run's history");
  });

  it("a flow's condition reads fields of the agent node's validated answer and takes the matching branch", async () => {
    const route = async (answer: string, repo: string) => {
      fake.reset();
      fake.script(text(answer));
      const flow = (await (await command('/route', repo)).result()).flow!;
      return flow.nodes.map((n: { node: string }) => n.node);
    };
    assert.deepEqual(await route('{"verdict": "approve", "score": 9}', 'typed-flow-approve'), ['start', 'approved']);
    assert.deepEqual(await route('{"verdict": "approve", "score": 2}', 'typed-flow-low'), ['start', 'rejected']);
    assert.deepEqual(await route('{"verdict": "reject", "score": 9}', 'typed-flow-reject'), ['start', 'rejected']);
  });
});
