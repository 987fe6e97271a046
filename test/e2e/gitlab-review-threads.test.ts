// A gate with `report: [annotations, review]` on GitLab, end to end: its findings are merge request
// discussions at their lines with a suggestion GitLab can apply, and across pushes each finding keeps its
// one discussion (its code moved), a fixed one has its discussion resolved by the bot, and one a person
// resolved stays resolved and is not raised again. The summary note says what is new, remaining, fixed.
// A discussion GitLab stored before answering 500 exists once.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mergeRequestHook, sendMergeRequestHook } from '../harness/gitlab-hook.js';
import { configDir, gitlabDaemonYaml, gitlabTriggerYaml, onGitLabSandbox } from '../harness/config-dir.js';
import { startStack, type Stack } from '../harness/stack.js';
import { until } from '../harness/until.js';
import { GitLabSandbox } from '../../src/sandbox/gitlab/index.js';
import { gateWorkflowId } from '../../src/ingress/dispatch.js';
import { fixableFunction, sha } from '../harness/synthetic-pr.js';

const PROJECT = 'threads-group/app';
const PROJECT_ID = 77;
const BASE = 'b'.repeat(40);
const PERSON = 'gl-reviewer';

/** The fixable function as a file's content (ending in a newline, as GitLab's diffs count lines). */
const source = (above: number, fixed = false) => `${fixableFunction(above, fixed)}\n`;
const files = (content: string) => {
  const lines = content.split('\n').slice(0, -1);
  return [
    {
      new_path: 'src/copy.ts',
      new_file: true,
      diff: `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join('\n')}\n`,
      content,
    },
  ];
};

const payload = (name: string, iid: number, head: string, oldrev?: string) =>
  mergeRequestHook(name, { project: PROJECT, projectId: PROJECT_ID, iid, head, ...(oldrev ? { oldrev } : {}) });

describe('GitLab: gate findings as discussions that follow them across pushes (report: review)', function () {
  this.timeout(600_000);
  const gitlab = new GitLabSandbox();
  let stack: Stack;
  const dir = configDir({
    'daemon.yaml': gitlabDaemonYaml(['triggers', 'gates']),
    'gates/g.yaml':
      'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: afa}\nspec:\n  title: AFA\n  report: [annotations, review]\n',
    'triggers/t.yaml': gitlabTriggerYaml(
      'mr-gate',
      'config:\n  projects: ["threads-group/*"]\ncommands:\n  merge_request.open: {gate: afa}\n  merge_request.update: {gate: afa}',
    ),
  });
  before(async () => {
    await gitlab.start();
    const s = gitlab.state;
    s.addUser({ username: 'aofbot', token: 'glpat-bot', bot: true });
    s.addUser({ username: 'root' });
    s.addUser({ username: PERSON });
    s.addProject({ pathWithNamespace: PROJECT, id: PROJECT_ID });
    s.addMember(PROJECT_ID, 'aofbot', 30);
    stack = await startStack({
      config: join(dir, 'daemon.yaml'),
      ...onGitLabSandbox(gitlab),
    });
  });
  after(async () => {
    await stack?.stop();
    await gitlab.stop();
  });

  const send = (body: unknown) => sendMergeRequestHook(stack.url, body);
  const bot = () => gitlab.state.mustUser('aofbot').id;
  const mrOf = (iid: number) => gitlab.state.mergeRequest(gitlab.state.mustProject(PROJECT_ID), iid)!;
  const threads = (iid: number) =>
    gitlab.state
      .discussionsOf(mrOf(iid))
      .filter((d) => d.notes[0]!.authorId === bot() && d.notes[0]!.body.includes('<!-- aof:finding='));
  const threadAbout = (iid: number, text: string) => threads(iid).find((d) => d.notes[0]!.body.includes(text));
  const summary = (iid: number) =>
    gitlab.state.notesOf(mrOf(iid)).find((n) => n.authorId === bot() && n.body.includes('<!-- aof-gate-check'));
  /** Waits until the gate took `signals` requests and is idle: what it did is all there is. */
  async function settled(iid: number, head: string, signals: number) {
    await until(`the gate status on ${head.slice(0, 7)} is final`, () =>
      gitlab.state.statuses.some((x) => x.sha === head && ['success', 'failed'].includes(x.status)),
    );
    const handle = stack.client.workflow.getHandle(gateWorkflowId(PROJECT, iid, 'gitlab'));
    await until(`the gate of !${iid} took ${signals} request(s) and is idle`, async () => {
      const events = (await handle.fetchHistory()).events ?? [];
      const received = events.filter((e) => e.workflowExecutionSignaledEventAttributes).length;
      return received >= signals && events.at(-1)?.timerStartedEventAttributes != null;
    });
  }

  it('discussions with an applicable suggestion; moved code keeps its thread, a fixed finding is resolved, a dismissed one is not raised again', async () => {
    const iid = 5;
    const heads = Array.from({ length: 8 }, (_, k) => sha(`${PROJECT}!${iid} push ${k}`));
    const contentOf = (k: number) => source(k, k >= 6);
    gitlab.state.addMergeRequest(PROJECT_ID, {
      iid,
      author: 'root',
      headSha: heads[0]!,
      baseSha: BASE,
      diffs: files(contentOf(0)),
    });
    await send(payload('merge_request.open', iid, heads[0]!));
    await settled(iid, heads[0]!, 1);
    const first = threads(iid);
    assert.ok(first.length >= 3, first.map((d) => d.notes[0]!.body.split('\n')[0]).join(' | '));
    const copy = threadAbout(iid, 'Deep copy through JSON')!;
    assert.equal((copy.notes[0]!.position as { new_line: number }).new_line, 2);
    assert.ok(copy.notes[0]!.body.includes('```suggestion\n  const y = structuredClone(x);\n```'), copy.notes[0]!.body);
    assert.match(summary(iid)!.body, new RegExp(`Review threads: ${first.length} new, 0 remaining, 0 fixed`));
    // Not twice: the annotations of report: [annotations, review] are these discussions.
    assert.equal(
      gitlab.state.discussionsOf(mrOf(iid)).filter((d) => !d.individualNote && d.notes[0]!.authorId === bot()).length,
      first.length,
    );

    // A person resolves the debug-output thread in GitLab.
    const debug = threadAbout(iid, 'Debug output left in')!;
    for (const n of debug.notes) Object.assign(n, { resolved: true, resolvedById: gitlab.state.mustUser(PERSON).id });

    for (let k = 1; k < heads.length; k++) {
      gitlab.state.push(PROJECT_ID, iid, heads[k]!, files(contentOf(k)));
      await send(payload('merge_request.update.commits', iid, heads[k]!, heads[k - 1]));
      await settled(iid, heads[k]!, k + 1);
      if (k === 5)
        assert.match(
          summary(iid)!.body,
          /Review threads: 0 new, 2 remaining, 0 fixed \(threads resolved\), 1 dismissed/,
        );
      if (k === 6) assert.match(summary(iid)!.body, /Review threads: 0 new, 1 remaining, 1 fixed/);
    }
    assert.equal(threads(iid).length, first.length, 'a finding got a second thread');
    assert.equal(threadAbout(iid, 'Deep copy through JSON')!.notes[0]!.resolved, true, 'the fixed finding is resolved');
    assert.equal(threadAbout(iid, 'Deep copy through JSON')!.notes[0]!.resolvedById, bot(), 'by the bot');
    assert.equal(
      threadAbout(iid, 'Debug output left in')!.notes[0]!.resolved,
      true,
      'the dismissed one stays resolved',
    );
    assert.equal(threadAbout(iid, 'without a doc comment')!.notes[0]!.resolved, false);
    assert.deepEqual(gitlab.state.violations, []);
  });

  it('a discussion GitLab stored before answering 500 exists once', async () => {
    const iid = 6;
    const head = sha(`${PROJECT}!${iid}`);
    gitlab.state.addMergeRequest(PROJECT_ID, {
      iid,
      author: 'root',
      headSha: head,
      baseSha: BASE,
      diffs: files(source(0)),
    });
    const faults = gitlab.afterWriteFaults;
    gitlab.failAfterWrite(1, 'status500', new RegExp(`^POST .*/merge_requests/${iid}/discussions$`));
    await send(payload('merge_request.open', iid, head));
    await settled(iid, head, 1);
    assert.equal(gitlab.afterWriteFaults - faults, 1, 'the discussion was stored, then answered 500');
    const markers = threads(iid).map((d) => /<!-- aof:finding=[0-9a-f]+ -->/.exec(d.notes[0]!.body)![0]);
    assert.ok(markers.length >= 3);
    assert.equal(new Set(markers).size, markers.length, 'each finding once');
    assert.match(summary(iid)!.body, new RegExp(`Review threads: ${markers.length} new, 0 remaining`));
  });
});
