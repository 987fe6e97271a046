// An agent's `github_post_review` with line comments on a GitLab merge request, end to end: each comment is
// a discussion at its line, a replacement a suggestion GitLab can apply (`suggestion:-0+n` for a range),
// and the review's text a note. A discussion GitLab stored before answering 500 exists once.
import assert from 'node:assert/strict';
import { ACCESS, GitLabSandbox } from '../../src/sandbox/gitlab/index.js';
import { FakeAnthropic, text, tools } from '../fakes/fake-anthropic.js';
import { gitlabDaemonYaml, gitlabTriggerYaml, onGitLabSandbox } from '../harness/config-dir.js';
import { startStackFor, type Stack } from '../harness/stack.js';
import { sha } from '../harness/synthetic-pr.js';
import { mergeRequestHook, sendMergeRequestHook } from '../harness/gitlab-hook.js';
import { reviewWithComments, TOTAL_SOURCE } from '../harness/review-comments.js';

const PROJECT = 'agent-comments/app';
const PROJECT_ID = 88;
const SOURCE = TOTAL_SOURCE;
const DIFF = `@@ -0,0 +1,5 @@\n${SOURCE.map((l) => `+${l}`).join('\n')}\n`;
const REVIEW = reviewWithComments(true);

describe('GitLab: an agent reviews with line comments and suggestions (github_post_review)', function () {
  this.timeout(180_000);
  const gitlab = new GitLabSandbox();
  const fake = new FakeAnthropic();
  let stack: Stack;
  before(async () => {
    await gitlab.start();
    const s = gitlab.state;
    s.addUser({ username: 'aofbot', token: 'glpat-bot', bot: true });
    s.addUser({ username: 'root' });
    s.addProject({ pathWithNamespace: PROJECT, id: PROJECT_ID });
    s.addMember(PROJECT_ID, 'aofbot', ACCESS.developer);
    stack = await startStackFor(
      {
        'daemon.yaml': gitlabDaemonYaml(['triggers', 'agents']),
        'agents/a.yaml':
          'apiVersion: aof.dev/v1\nkind: Agent\nmetadata: {name: reviewer}\nspec:\n  model: anthropic:claude-test\n  max_iterations: 4\n  tools: [github_post_review]\n',
        'triggers/t.yaml': gitlabTriggerYaml(
          'mrs',
          'config:\n  projects: ["agent-comments/*"]\ncommands:\n  merge_request.open: {agent: reviewer}',
        ),
      },
      {
        anthropic: fake,
        ...onGitLabSandbox(gitlab),
      },
    );
  });
  after(async () => {
    await stack?.stop();
    await gitlab.stop();
  });
  beforeEach(() => fake.reset());

  /** Opens merge request `iid` and waits for its agent run's result. */
  const open = async (iid: number) => {
    const head = sha(`${PROJECT}!${iid}`);
    gitlab.state.addMergeRequest(PROJECT_ID, {
      iid,
      author: 'root',
      headSha: head,
      baseSha: 'b'.repeat(40),
      diffs: [{ new_path: 'src/total.ts', new_file: true, diff: DIFF, content: `${SOURCE.join('\n')}\n` }],
    });
    const body = await sendMergeRequestHook(
      stack.url,
      mergeRequestHook('merge_request.open', { project: PROJECT, projectId: PROJECT_ID, iid, head }),
    );
    return stack.client.workflow.getHandle(body.workflowId).result();
  };
  const mrOf = (iid: number) => gitlab.state.mergeRequest(gitlab.state.mustProject(PROJECT_ID), iid)!;
  const lineNotes = (iid: number) =>
    gitlab.state
      .discussionsOf(mrOf(iid))
      .filter((d) => !d.individualNote)
      .map((d) => d.notes[0]!);

  it('each comment a discussion at its line with an applicable suggestion; the review text a note', async () => {
    fake.script(tools(REVIEW), text('Reviewed.'));
    const result = await open(1);
    assert.deepEqual(
      result.agent.toolCalls.map((c: { ok: boolean }) => c.ok),
      [true],
    );
    const notes = lineNotes(1);
    assert.deepEqual(
      notes.map((n) => (n.position as { new_line: number }).new_line),
      [3, 2],
    );
    assert.ok(
      notes[0]!.body.startsWith(
        'An index loop where reduce says it.\n\n```suggestion\n  sum = items.reduce((a, b) => a + b, 0);\n```',
      ),
      notes[0]!.body,
    );
    assert.ok(
      notes[1]!.body.includes('```suggestion:-0+2\n  return items.reduce((a, b) => a + b, 0);\n```'),
      notes[1]!.body,
    );
    assert.ok(gitlab.state.notesOf(mrOf(1)).some((n) => n.body.startsWith('Two remarks.')));
    assert.deepEqual(gitlab.state.violations, []);
  });

  it('a discussion GitLab stored before answering 500 exists once', async () => {
    fake.script(tools(REVIEW), text('Reviewed.'));
    const faults = gitlab.afterWriteFaults;
    gitlab.failAfterWrite(1, 'status500', /^POST .*\/merge_requests\/2\/discussions$/);
    await open(2);
    assert.equal(gitlab.afterWriteFaults - faults, 1, 'a discussion was stored, then answered 500');
    assert.equal(lineNotes(2).length, 2, 'each comment once');
  });
});
