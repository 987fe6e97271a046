// An agent's `github_post_review` with line comments, end to end: the fake model asks for one review with
// a comment on a changed line carrying a replacement and a comment on a range; GitHub (the sandbox) gets one
// review request whose comments are threads at those lines, the replacement a committable suggestion. A
// comment on a line outside the diff is GitHub's 422, which the model is told; a review event the agent's
// YAML does not allow is refused before any request.
import assert from 'node:assert/strict';
import { FakeAnthropic, text, tools } from '../fakes/fake-anthropic.js';
import { daemonYaml, triggerYaml, GITHUB_TEST_PLATFORM } from '../harness/config-dir.js';
import { startStackFor, type Stack } from '../harness/stack.js';
import { addedFile, pullRequest, sha } from '../harness/synthetic-pr.js';
import { reviewWithComments, TOTAL_SOURCE } from '../harness/review-comments.js';

const OWNER = 'review-comments-org';
const REPO = `${OWNER}/app`;
const SOURCE = TOTAL_SOURCE.join('\n');

describe('an agent reviews with line comments and suggestions (github_post_review)', function () {
  this.timeout(180_000);
  const fake = new FakeAnthropic();
  let stack: Stack;
  before(async () => {
    stack = await startStackFor(
      {
        'daemon.yaml': daemonYaml(GITHUB_TEST_PLATFORM),
        'agents/a.yaml':
          'apiVersion: aof.dev/v1\nkind: Agent\nmetadata: {name: reviewer}\nspec:\n  model: anthropic:claude-test\n  max_iterations: 4\n  tools: [github_post_review]\n',
        'triggers/t.yaml': triggerYaml(
          't',
          'config:\n  github_events: [pull_request]\ncommands:\n  pull_request.opened: {agent: reviewer}',
        ),
      },
      { anthropic: fake },
    );
  });
  after(async () => stack?.stop());
  beforeEach(() => fake.reset());

  const run = async (n: number) => {
    const head = sha(`${REPO}#${n}`);
    const pr = pullRequest(REPO, n, head, 'opened');
    stack.sandbox.addPull(OWNER, 'app', pr.pull_request, [addedFile('src/total.ts', SOURCE)]);
    const r = await stack.send('pull_request', pr);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return { head, result: await stack.client.workflow.getHandle(r.body.workflowId).result() };
  };
  const reviewPosts = (n: number) =>
    stack.sandbox.requests.filter((r) => r.method === 'POST' && r.path === `/repos/${REPO}/pulls/${n}/reviews`);

  it('one review request; its comments are threads at their lines, the replacement a suggestion', async () => {
    fake.script(tools(reviewWithComments(false)), text('Reviewed.'));
    const { result } = await run(31);
    assert.deepEqual(
      result.agent.toolCalls.map((c: { ok: boolean }) => c.ok),
      [true],
    );
    assert.equal(reviewPosts(31).length, 1, 'one request for the review and its comments');
    const threads = stack.sandbox.threadsOn(OWNER, 'app', 31);
    assert.deepEqual(
      threads.map((t) => [t.path, t.start_line, t.line]),
      [
        ['src/total.ts', undefined, 3],
        ['src/total.ts', 2, 4],
      ],
    );
    assert.equal(
      threads[0]!.comments[0]!.body,
      'An index loop where reduce says it.\n\n```suggestion\n  sum = items.reduce((a, b) => a + b, 0);\n```',
    );
    assert.equal(threads[1]!.comments[0]!.body, 'One expression.');
    assert.deepEqual(stack.sandbox.violations, []);
  });

  it("a comment off the diff is GitHub's 422, told to the model; nothing is posted", async () => {
    fake.script(
      tools([
        'github_post_review',
        { body: 'One remark.', event: 'COMMENT', comments: [{ path: 'src/total.ts', line: 40, body: 'Here?' }] },
      ]),
      text('Could not comment there.'),
    );
    const { result } = await run(32);
    const [call] = result.agent.toolCalls as { ok: boolean; content?: string }[];
    assert.equal(call!.ok, false);
    assert.equal(stack.sandbox.threadsOn(OWNER, 'app', 32).length, 0);
    assert.equal(stack.sandbox.reviews.filter((r) => r.pullNumber === 32 && r.repo === 'app').length, 0);
    const told = JSON.stringify(fake.requests.at(-1)!.body.messages.at(-1));
    assert.match(told, /must be part of the diff/);
  });

  it('an event the YAML does not allow is refused before any request', async () => {
    fake.script(
      tools([
        'github_post_review',
        {
          body: 'Approved.',
          event: 'APPROVE',
          comments: [{ path: 'src/total.ts', line: 3, body: 'Nice.', replacement: '  sum += items[i]!;' }],
        },
      ]),
      text('Not allowed.'),
    );
    const { result } = await run(33);
    assert.equal(result.agent.toolCalls[0].ok, false);
    assert.equal(reviewPosts(33).length, 0);
  });
});
