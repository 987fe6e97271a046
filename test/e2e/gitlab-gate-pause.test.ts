// Pausing a merge request's gate on GitLab (issue 28, item 4), end to end: GitLab's Merge Request Hook and
// Note Hook (`/pause`, `/resume` notes) into the ingress, the real Temporal server and worker, the GitLab
// sandbox and a fake Anthropic API. What a GitLab user sees: one reply note per command; a member below
// Developer cannot pause; every push that is not reviewed has a commit status named as the gate, passed
// (GitLab has no neutral), whose description says why (paused, superseded); `/resume` reviews the newest head.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { gitlabExample } from '../../src/forges/gitlab/examples/index.js';
import { GitLabSandbox } from '../../src/sandbox/gitlab/index.js';
import { gateWorkflowId } from '../../src/ingress/dispatch.js';
import { configDir, gitlabDaemonYaml, gitlabTriggerYaml, onGitLabSandbox } from '../harness/config-dir.js';
import { startStack, type Stack } from '../harness/stack.js';
import { addedFile, sha } from '../harness/synthetic-pr.js';
import { until } from '../harness/until.js';
import { deliverGitLab } from '../harness/gitlab-hook.js';
import { FakeAnthropic, gateAnswer } from '../fakes/fake-anthropic.js';

/** Groups of this run: the shared dev server keeps workflow ids across test runs. */
const GROUP = `pausegl-${Date.now().toString(36)}`;
const QUIET_GROUP = `quietgl-${Date.now().toString(36)}`;
const PROJECT = `${GROUP}/app`;
const QUIET_PROJECT = `${QUIET_GROUP}/app`;
const IDS: Record<string, number> = { [PROJECT]: 8101, [QUIET_PROJECT]: 8102 };
const BASE = 'b'.repeat(40);
const GATE = 'AFA Gate Check';

describe('GitLab: pausing a merge request gate, and its quiet period (issue 28, item 4)', function () {
  this.timeout(180_000);
  const gitlab = new GitLabSandbox();
  const fake = new FakeAnthropic();
  let stack: Stack;
  const dir = configDir({
    'daemon.yaml': gitlabDaemonYaml(['triggers', 'gates']),
    'gates/g.yaml':
      'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: afa}\nspec:\n  title: AFA\n  model: anthropic:claude-test\n  reviewers: [security]\n  billing: {default_tier: enterprise}\n' +
      '---\napiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: quiet}\nspec:\n  title: AFA\n  quiet_period: 3s\n  billing: {default_tier: enterprise}\n',
    // The shipped trigger's commands (triggers/gitlab-mr-gate.yaml), on this run's group.
    'triggers/t.yaml': gitlabTriggerYaml(
      'mr-gate',
      `config:\n  projects: ["${GROUP}/*"]\ncommands:\n  merge_request.open: {gate: afa}\n  merge_request.update: {gate: afa}\n  /pause: {gate: afa}\n  /resume: {gate: afa}`,
    ),
    'triggers/q.yaml': gitlabTriggerYaml(
      'mr-quiet',
      `config:\n  projects: ["${QUIET_GROUP}/*"]\ncommands:\n  merge_request.open: {gate: quiet}\n  merge_request.update: {gate: quiet}`,
    ),
  });
  before(async () => {
    const anthropicUrl = await fake.start();
    fake.respondWith((body) => gateAnswer(body));
    await gitlab.start();
    const s = gitlab.state;
    s.addUser({ username: 'aofbot', token: 'glpat-bot', bot: true });
    for (const u of ['root', 'alice', 'mallory']) s.addUser({ username: u });
    for (const [path, id] of Object.entries(IDS)) {
      s.addProject({ pathWithNamespace: path, id });
      s.addMember(id, 'aofbot', 30);
    }
    s.addMember(IDS[PROJECT]!, 'alice', 30); // Developer: may push, so may pause
    s.addMember(IDS[PROJECT]!, 'mallory', 20); // Reporter: below Developer
    stack = await startStack({
      config: join(dir, 'daemon.yaml'),
      anthropicUrl,
      ...onGitLabSandbox(gitlab),
    });
  });
  after(async () => {
    await stack?.stop();
    await gitlab.stop();
    await fake.stop();
  });

  const send = (event: string, body: unknown) => deliverGitLab(stack.url, event, body);

  /** GitLab's example payload `name` moved to `project`'s merge request `iid`. */
  const payload = (name: string, project: string, iid: number) => {
    const p = structuredClone(gitlabExample(name) as Record<string, any>);
    const mr = p.object_kind === 'note' ? p.merge_request : p.object_attributes;
    p.project.path_with_namespace = project;
    p.project.id = IDS[project];
    mr.target_project_id = mr.source_project_id = IDS[project];
    mr.iid = iid;
    return { p, mr };
  };
  /** Push `i` to `project`!`iid` (the first opens it): a new head with one changed function. */
  const push = async (project: string, iid: number, i: number) => {
    const head = sha(`${project}!${iid} push ${i}`);
    const { patch: diff, content } = addedFile(
      'src/a.ts',
      `export function f${i}(x: number) {\n  return x + ${i};\n}\n`,
    );
    const diffs = [{ new_path: 'src/a.ts', new_file: true, diff, content }];
    if (i === 1)
      gitlab.state.addMergeRequest(IDS[project]!, { iid, author: 'root', headSha: head, baseSha: BASE, diffs });
    else gitlab.state.push(IDS[project]!, iid, head, diffs);
    const { p, mr } = payload(i === 1 ? 'merge_request.open' : 'merge_request.update.commits', project, iid);
    const previous = i === 1 ? undefined : sha(`${project}!${iid} push ${i - 1}`);
    mr.last_commit.id = head;
    if (previous) mr.oldrev = previous;
    await send('Merge Request Hook', p);
    return head;
  };
  const note = async (iid: number, body: string, username: string) => {
    const { p } = payload('note.merge_request', PROJECT, iid);
    const user = gitlab.state.mustUser(username);
    p.user = { ...p.user, id: user.id, username, name: username };
    p.object_attributes = { ...p.object_attributes, id: gitlab.state.id(), note: body, author_id: user.id };
    await send('Note Hook', p);
  };
  const status = (head: string) => gitlab.state.statuses.filter((x) => x.sha === head && x.name === GATE).at(-1);
  /** The gate's status on `head` once final (GitLab: success or failed), with its description. */
  const finalStatus = async (head: string) => {
    await until(
      `a final gate status on ${head.slice(0, 7)}`,
      () => ['success', 'failed'].includes(status(head)?.status ?? ''),
      {
        detail: () =>
          JSON.stringify(gitlab.state.statuses.map((x) => [x.sha.slice(0, 7), x.name, x.status, x.description])),
      },
    );
    return status(head)!;
  };
  const mrOf = (project: string, iid: number) =>
    gitlab.state.mergeRequest(gitlab.state.mustProject(IDS[project]!), iid)!;
  /** The bot's notes on the merge request that are not the gate's summary: its replies. */
  const replies = (iid: number) =>
    gitlab.state
      .notesOf(mrOf(PROJECT, iid))
      .filter((n) => n.authorId === gitlab.state.mustUser('aofbot').id && !n.body.includes('<!-- aof-gate-check'))
      .map((n) => n.body);
  const reviewed = /^AFA Gate Check — \d+ findings?/;

  it('a Reporter cannot pause: the bot says why once, and the next push is reviewed', async () => {
    const h1 = await push(PROJECT, 1, 1);
    assert.match((await finalStatus(h1)).description ?? '', reviewed);
    await note(1, '/pause', 'mallory');
    await until('the refusal', () => replies(1).some((b) => b.includes('@mallory cannot `/pause`')));
    const asked = fake.requests.length;
    const h2 = await push(PROJECT, 1, 2);
    assert.match((await finalStatus(h2)).description ?? '', reviewed);
    assert.ok(fake.requests.length > asked, 'the push after a refused /pause is reviewed by the model');
    assert.equal(replies(1).length, 1, 'one reply, and no pause');
    assert.match(replies(1)[0]!, /it takes write permission on this repository/);
  });

  it('/pause: the head and every later push say paused, with no model call; /resume reviews the newest head once', async () => {
    const h1 = await push(PROJECT, 2, 1);
    await finalStatus(h1);
    await note(2, '/pause', 'alice');
    await until('the head says paused', () => status(h1)?.description === `${GATE} — paused by @alice`);
    assert.equal(
      status(h1)!.status,
      'success',
      "GitLab's status for a neutral check: passed, its description says why",
    );
    await until('the acknowledgement', () => replies(2).some((b) => b.includes('gate paused by @alice')));
    assert.match(replies(2).at(-1)!, /pushes to this merge request are not reviewed until someone comments `\/resume`/);

    const asked = fake.requests.length;
    const heads: string[] = [];
    for (let i = 2; i <= 3; i++) {
      const head = await push(PROJECT, 2, i);
      heads.push(head);
      const st = await finalStatus(head);
      assert.equal(st.description, `${GATE} — paused by @alice`, `push ${i}`);
      assert.equal(st.status, 'success');
    }
    assert.equal(fake.requests.length, asked, 'no model call while paused');
    const paused = await stack.client.workflow.getHandle(gateWorkflowId(PROJECT, 2, 'gitlab')).query('gateState');
    assert.deepEqual((paused as { paused?: unknown }).paused, { by: 'alice' });

    await note(2, '/resume', 'alice');
    const newest = heads.at(-1)!;
    await until('the newest head is reviewed', () => reviewed.test(status(newest)?.description ?? ''));
    assert.ok(fake.requests.length > asked, 'the model reviews the newest head');
    assert.ok(replies(2).some((b) => b.includes('gate resumed by @alice: reviewing the newest head')));
    assert.equal(status(heads[0]!)!.description, `${GATE} — paused by @alice`, 'an older head stays paused');
    const gate = stack.client.workflow.getHandle(gateWorkflowId(PROJECT, 2, 'gitlab'));
    await until('the gate is idle', async () => {
      const st = (await gate.query('gateState')) as { paused?: unknown; pending: boolean; reviewing?: string };
      return !st.paused && !st.pending && !st.reviewing;
    });
    const reviews = gitlab.requests.filter(
      (r) =>
        r.method === 'POST' &&
        r.path.endsWith(`/statuses/${newest}`) &&
        r.status < 300 &&
        (r.body as { state: string }).state === 'running',
    );
    assert.equal(reviews.length, 1, 'the newest head is reviewed once');
    assert.equal(replies(2).length, 2, 'one reply per command');
  });

  it('quiet period: three quick pushes give one review of the newest head; the older heads say superseded', async () => {
    const heads = [];
    for (let i = 1; i <= 3; i++) heads.push(await push(QUIET_PROJECT, 1, i));
    const [h1, h2, h3] = heads as [string, string, string];
    assert.match((await finalStatus(h3)).description ?? '', reviewed);
    for (const h of [h1, h2]) {
      const st = await finalStatus(h);
      assert.equal(st.description, `${GATE} — superseded by ${h3.slice(0, 7)}`);
      assert.equal(st.status, 'success');
    }
    const running = gitlab.requests.filter(
      (r) =>
        r.method === 'POST' &&
        r.path.includes(`/projects/${encodeURIComponent(QUIET_PROJECT)}/statuses/`) &&
        (r.body as { state: string }).state === 'running',
    );
    assert.equal(running.length, 1, 'one review');
    const summaries = gitlab.state
      .notesOf(mrOf(QUIET_PROJECT, 1))
      .filter((n) => n.body.includes('<!-- aof-gate-check'));
    assert.equal(summaries.length, 1);
  });
});
