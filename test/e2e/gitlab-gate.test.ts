// The AFA gate on a GitLab merge request, end to end: GitLab's Merge Request Hook (written from GitLab's
// documented example, src/forges/gitlab/examples/README.md) into the ingress, the real Temporal server and
// worker, and the GitLab sandbox answering as GitLab's REST API v4: a commit status named as the gate,
// running then failed, the findings as merge request discussions at their lines, and one summary note;
// a second push (an update with `oldrev`) reviewed on its new head with the same note edited in place, a
// title edit not reviewed again, a `/review` note (GitLab's Note Hook example) reviewed again, a write
// GitLab stored before answering 500 existing once, a redelivery counted once, the run found in the Web
// UI by forge, project and MR, and quotas counted per GitLab group (never the GitHub org of its name).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { gitlabExample } from '../../src/forges/gitlab/examples/index.js';
import { configDir, gitlabDaemonYaml, gitlabTriggerYaml, triggerYaml, onGitLabSandbox } from '../harness/config-dir.js';
import { startStack, type Stack } from '../harness/stack.js';
import { until } from '../harness/until.js';
import { GitLabSandbox } from '../../src/sandbox/gitlab/index.js';
import { gateWorkflowId } from '../../src/ingress/dispatch.js';
import { addedFile, pullRequest, sha } from '../harness/synthetic-pr.js';

const fixture = (name: string) => gitlabExample(name) as Record<string, any>;
const HEAD = fixture('merge_request.open').object_attributes.last_commit.id as string;
const BASE = 'b'.repeat(40);
const SOURCE = 'export function run(input: string) {\n  return eval(input);\n}\n';
const DIFF = '@@ -0,0 +1,3 @@\n+export function run(input: string) {\n+  return eval(input);\n+}\n';
/** The second push: the eval moves to line 3. */
const HEAD2 = 'c'.repeat(40);
const SOURCE2 = 'export function run(input: string) {\n  const code = input.trim();\n  return eval(code);\n}\n';
const DIFF2 =
  '@@ -0,0 +1,4 @@\n+export function run(input: string) {\n+  const code = input.trim();\n+  return eval(code);\n+}\n';
const PROJECT = 'gitlab-org/gitlab-test';

/** GitLab's example payload of `name`, about another project, merge request or head. */
function payload(
  name: string,
  o: { project?: string; projectId?: number; iid?: number; head?: string; oldrev?: string } = {},
) {
  const p = structuredClone(fixture(name));
  const mr = p.object_kind === 'note' ? p.merge_request : p.object_attributes;
  if (o.project) {
    p.project.path_with_namespace = o.project;
    p.project.id = o.projectId;
    mr.target_project_id = mr.source_project_id = o.projectId;
  }
  if (o.iid !== undefined) mr.iid = o.iid;
  if (o.head) mr.last_commit.id = o.head;
  if (o.oldrev) mr.oldrev = o.oldrev;
  return p;
}

/** Groups of this run (the dev server's quota counts outlive a test run within the month). */
const QA = `qa-${Date.now().toString(36)}`;
const QB = `qb-${Date.now().toString(36)}`;

describe('GitLab: the AFA gate on a merge request (issue 26)', function () {
  const gitlab = new GitLabSandbox();
  let stack: Stack;
  const dir = configDir({
    'daemon.yaml': gitlabDaemonYaml(['triggers', 'gates']),
    'gates/g.yaml':
      'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: afa}\nspec:\n  title: AFA\n---\n' +
      // One analysis a month per account: the second of an account is refused.
      'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: q}\nspec:\n  title: Q\n' +
      '  billing: {default_tier: community, limits: {community: 1}}\n',
    'triggers/t.yaml': gitlabTriggerYaml(
      'mr-gate',
      'config:\n  projects: ["gitlab-org/*"]\ncommands:\n  merge_request.open: {gate: afa}\n' +
        '  merge_request.update: {gate: afa}\n  /review: {gate: afa}',
    ),
    'triggers/q.yaml': gitlabTriggerYaml(
      'mr-quota',
      `config:\n  projects: ["${QA}/*", "${QB}/*"]\ncommands:\n  merge_request.open: {gate: q}`,
    ),
    'triggers/gh.yaml': triggerYaml(
      'pr-quota',
      `config:\n  repositories: ["${QA}/*"]\ncommands:\n  pull_request.opened: {gate: q}`,
    ),
  });
  before(async () => {
    await gitlab.start();
    const s = gitlab.state;
    s.addUser({ username: 'aofbot', token: 'glpat-bot', bot: true });
    s.addUser({ username: 'root' });
    s.addProject({ pathWithNamespace: 'gitlab-org/gitlab-test', id: 1 });
    s.addMember(1, 'aofbot', 30);
    s.addMergeRequest(1, {
      iid: 1,
      author: 'root',
      headSha: HEAD,
      baseSha: BASE,
      diffs: [{ new_path: 'src/run.ts', new_file: true, diff: DIFF, content: SOURCE }],
    });
    stack = await startStack({
      config: join(dir, 'daemon.yaml'),
      ...onGitLabSandbox(gitlab),
    });
  });
  after(async () => {
    await stack?.stop();
    await gitlab.stop();
  });

  const send = (event: string, body: unknown, key: string = randomUUID()) =>
    fetch(`${stack.url}/webhook/gitlab`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-gitlab-event': event,
        'x-gitlab-token': 'gl-secret',
        'idempotency-key': key,
      },
      body: JSON.stringify(body),
    });
  const bot = () => gitlab.state.mustUser('aofbot').id;
  const mrOf = (project: string | number, iid: number) =>
    gitlab.state.mergeRequest(gitlab.state.mustProject(project), iid)!;
  /** The gate statuses GitLab was asked to set on `sha`, in order (accepted ones). */
  const statusPosts = (sha: string) =>
    gitlab.requests
      .filter((r) => r.method === 'POST' && r.path.endsWith(`/statuses/${sha}`) && r.status < 300)
      .map((r) => (r.body as { state: string }).state);
  const finalStatus = (sha: string, name = 'AFA Gate Check') =>
    until(
      `the ${name} on ${sha.slice(0, 7)} is final`,
      () =>
        gitlab.state.statuses.some((x) => x.sha === sha && x.name === name && ['success', 'failed'].includes(x.status)),
      { detail: () => JSON.stringify(gitlab.requests.map((r) => `${r.method} ${r.path} ${r.status}`).slice(-30)) },
    );
  const summaries = (project: string | number, iid: number) =>
    gitlab.state
      .notesOf(mrOf(project, iid))
      .filter((n) => n.authorId === bot() && n.body.includes('<!-- aof-gate-check'));
  const findings = (project: string | number, iid: number) =>
    gitlab.state
      .discussionsOf(mrOf(project, iid))
      .flatMap((d) => d.notes)
      .filter((n) => n.authorId === bot() && n.body.includes('<!-- aof:finding='));
  /**
   * Waits until the merge request's gate has taken in `signals` review requests and is waiting for the next
   * (its history ends in the quiet period's timer, with nothing pending), so what it did is all there is.
   */
  async function gateSettles(project: string, iid: number, signals: number) {
    const handle = stack.client.workflow.getHandle(gateWorkflowId(project, iid, 'gitlab'));
    await until(`the gate of ${project}!${iid} took ${signals} request(s) and is idle`, async () => {
      const events = (await handle.fetchHistory()).events ?? [];
      const received = events.filter((e) => e.workflowExecutionSignaledEventAttributes).length;
      return received >= signals && events.at(-1)?.timerStartedEventAttributes != null;
    });
  }

  it('a commit status named as the gate, the finding as a discussion at its line, one summary note', async () => {
    const res = await send('Merge Request Hook', fixture('merge_request.open'));
    assert.equal(res.status, 201, JSON.stringify(await res.clone().json()));
    const s = gitlab.state;
    const mr = s.mergeRequest(s.mustProject(1), 1)!;
    const statuses = () => s.statuses.filter((x) => x.sha === HEAD && x.name === 'AFA Gate Check');
    await until('the gate status is final', () => statuses().some((x) => ['success', 'failed'].includes(x.status)), {
      detail: () => JSON.stringify(gitlab.requests.map((r) => `${r.method} ${r.path} ${r.status}`)),
    });
    // GitLab keeps one status per name and commit, moved from state to state: running, then failed.
    const states = gitlab.requests
      .filter((r) => r.method === 'POST' && r.path.endsWith(`/statuses/${HEAD}`) && r.status < 300)
      .map((r) => (r.body as { state: string; name: string }).state);
    assert.deepEqual(states, ['running', 'failed']);
    assert.equal(statuses().length, 1);
    const bot = s.mustUser('aofbot').id;
    const positioned = s
      .discussionsOf(mr)
      .flatMap((d) => d.notes)
      .filter((n) => n.authorId === bot && n.position);
    assert.ok(positioned.length >= 1, 'a discussion at the finding’s line');
    assert.ok(positioned.some((n) => (n.position as { new_line?: number }).new_line === 2));
    const summaries = s.notesOf(mr).filter((n) => n.authorId === bot && n.body.includes('<!-- aof-gate-check'));
    assert.equal(summaries.length, 1);
  });

  it('a second push is reviewed on its new head: status running then failed there, the finding at its new line, the same note edited', async () => {
    const before = summaries(1, 1);
    assert.equal(before.length, 1);
    gitlab.state.push(1, 1, HEAD2, [{ new_path: 'src/run.ts', new_file: true, diff: DIFF2, content: SOURCE2 }]);
    const res = await send(
      'Merge Request Hook',
      payload('merge_request.update.commits', { head: HEAD2, oldrev: HEAD }),
    );
    assert.equal(res.status, 201, JSON.stringify(await res.clone().json()));
    await finalStatus(HEAD2);
    await gateSettles(PROJECT, 1, 2);
    assert.deepEqual(statusPosts(HEAD2), ['running', 'failed']);
    // The eval at its new line on the new head; the function's doc notice at its first line.
    const onHead2 = findings(1, 1)
      .filter((n) => (n.position as { head_sha?: string } | undefined)?.head_sha === HEAD2)
      .map((n) => [(n.position as { new_line: number }).new_line, n.body.split('\n')[0]]);
    assert.deepEqual(onHead2.sort(), [
      [1, '**Notice: documentation: info in run**'],
      [3, '**Failure: security: critical in run**'],
    ]);
    const after = summaries(1, 1);
    assert.equal(after.length, 1, 'one summary note, never a second');
    assert.equal(after[0]!.id, before[0]!.id);
    assert.ok(
      gitlab.requests.some((r) => r.method === 'PUT' && r.path.endsWith(`/notes/${before[0]!.id}`) && r.status === 200),
      'the note was edited in place',
    );
  });

  it('an update without new commits (a title edit) reviews nothing again', async () => {
    const writes = gitlab.requests.filter((r) => r.method !== 'GET').length;
    const res = await send('Merge Request Hook', payload('merge_request.update.edit', { head: HEAD2 }));
    assert.equal(res.status, 201, JSON.stringify(await res.clone().json()));
    await gateSettles(PROJECT, 1, 3);
    assert.deepEqual(statusPosts(HEAD2), ['running', 'failed']);
    assert.equal(gitlab.requests.filter((r) => r.method !== 'GET').length, writes, 'no write at all');
  });

  it('a /review note reviews the head again; the same delivery twice (one Idempotency-Key) counts once', async () => {
    const key = randomUUID();
    const note = payload('note.merge_request', { head: HEAD2 });
    const answers = await Promise.all([send('Note Hook', note, key), send('Note Hook', note, key)]);
    for (const a of answers) assert.ok(a.status < 300, `${a.status} ${await a.text()}`);
    await until('the re-review is final', () => statusPosts(HEAD2).length === 4 && statusPosts(HEAD2)[3] !== 'running');
    await gateSettles(PROJECT, 1, 4);
    assert.deepEqual(statusPosts(HEAD2), ['running', 'failed', 'running', 'failed']);
    assert.equal(summaries(1, 1).length, 1);
  });

  it('a note, discussion and status GitLab stored before answering 500 exist once', async () => {
    const head = 'd'.repeat(40);
    gitlab.state.addMergeRequest(1, {
      iid: 2,
      author: 'root',
      headSha: head,
      baseSha: BASE,
      diffs: [{ new_path: 'src/run.ts', new_file: true, diff: DIFF, content: SOURCE }],
    });
    const faults = gitlab.afterWriteFaults;
    gitlab.failAfterWrite(1, 'status500', /^POST .*\/merge_requests\/2\/notes$/);
    gitlab.failAfterWrite(1, 'status500', /^POST .*\/merge_requests\/2\/discussions$/);
    gitlab.failAfterWrite(1, 'status500', new RegExp(`^POST .*/statuses/${head}$`));
    const res = await send('Merge Request Hook', payload('merge_request.open', { iid: 2, head }));
    assert.equal(res.status, 201, JSON.stringify(await res.clone().json()));
    await finalStatus(head);
    await gateSettles(PROJECT, 2, 1);
    assert.equal(gitlab.afterWriteFaults - faults, 3, 'each write was stored, then answered 500');
    assert.equal(summaries(1, 2).length, 1);
    const posted = findings(1, 2).map((n) => /<!-- aof:finding=[0-9a-f]+ -->/.exec(n.body)![0]);
    assert.ok(posted.length >= 1);
    assert.equal(new Set(posted).size, posted.length, 'each finding once');
    assert.deepEqual(
      gitlab.state.statuses.filter((x) => x.sha === head).map((x) => x.status),
      ['failed'],
      'one status, moved from running to failed',
    );
  });

  it('pushes that leave a function’s code as it was give no second thread for its findings, and a thread a person resolved stays resolved', async () => {
    const iid = 3;
    const heads = Array.from({ length: 6 }, (_, k) => sha(`gitlab!3 push ${k}`));
    /** Push `k`: `run` as it was, `k` comment lines further down; from push 4 on, another function too. */
    const files = (k: number) => {
      const source = '// moved\n'.repeat(k) + SOURCE + (k >= 4 ? 'export const twice = (x: number) => x * 2;\n' : '');
      const lines = source.split('\n').slice(0, -1);
      return [
        {
          new_path: 'src/run.ts',
          new_file: true,
          diff: `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join('\n')}\n`,
          content: source,
        },
      ];
    };
    gitlab.state.addMergeRequest(1, { iid, author: 'root', headSha: heads[0]!, baseSha: BASE, diffs: files(0) });
    let res = await send('Merge Request Hook', payload('merge_request.open', { iid, head: heads[0] }));
    assert.equal(res.status, 201, JSON.stringify(await res.clone().json()));
    await finalStatus(heads[0]!);
    await gateSettles(PROJECT, iid, 1);
    const first = findings(1, iid);
    assert.ok(first.length >= 1, 'the eval and the doc notice are threads');
    // A person resolves the eval's thread in GitLab.
    const evalThread = first.find((n) => n.body.includes('security'))!;
    evalThread.resolved = true;
    for (let k = 1; k < heads.length; k++) {
      gitlab.state.push(1, iid, heads[k]!, files(k));
      res = await send(
        'Merge Request Hook',
        payload('merge_request.update.commits', { iid, head: heads[k], oldrev: heads[k - 1] }),
      );
      assert.equal(res.status, 201, JSON.stringify(await res.clone().json()));
      await finalStatus(heads[k]!);
      await gateSettles(PROJECT, iid, k + 1);
    }
    const all = findings(1, iid);
    const titles = all.map((n) => n.body.split('\n')[0]!);
    // `run` found again on every push: still its first threads; `twice`, new at push 4, gets its own, once.
    assert.equal(all.filter((n) => n.body.includes(' in run**')).length, first.length, titles.join(' | '));
    assert.ok(all.filter((n) => n.body.includes(' in twice**')).length >= 1, titles.join(' | '));
    assert.equal(new Set(titles).size, titles.length, `no finding twice: ${titles.join(' | ')}`);
    assert.equal(evalThread.resolved, true, 'the resolved thread stays resolved');
    // Each push still failed its gate on the eval (the check says what is there; the threads are not repeated).
    for (const h of heads) assert.deepEqual(statusPosts(h), ['running', 'failed']);
  });

  it('the Web UI finds the gate run by forge, project and merge request', async () => {
    const query = `AofForge = 'gitlab' AND AofRepository = '${PROJECT}' AND AofNumber = 1 AND AofKind = 'gate'`;
    const id = gateWorkflowId(PROJECT, 1, 'gitlab');
    await until(`${query} lists ${id}`, async () => {
      for await (const w of stack.client.workflow.list({ query })) if (w.workflowId === id) return true;
      return false;
    });
    // The reviews it ran are marked as GitLab's too.
    await until('the gate’s reviews are listed as GitLab runs', async () => {
      for await (const w of stack.client.workflow.list({
        query: `AofForge = 'gitlab' AND AofRepository = '${PROJECT}' AND AofNumber = 1 AND AofKind = 'review'`,
      }))
        if (w.workflowId.startsWith(`${id}/`)) return true;
      return false;
    });
    // A GitHub repository of the same path would be another forge's: none of these runs says GitHub.
    for await (const w of stack.client.workflow.list({ query: `AofForge = 'github' AND AofRepository = '${PROJECT}'` }))
      assert.fail(`a GitHub run for ${PROJECT}: ${w.workflowId}`);
  });

  it('quotas count per GitLab group: two groups apart, and a GitHub organization of the same name is another account', async () => {
    const s = gitlab.state;
    let id = 100;
    const mr = (project: string, iid: number) => {
      const head = sha(`${project}!${iid}`);
      s.addMergeRequest(project, {
        iid,
        author: 'root',
        headSha: head,
        baseSha: BASE,
        diffs: [{ new_path: 'src/run.ts', new_file: true, diff: DIFF, content: SOURCE }],
      });
      return head;
    };
    for (const project of [`${QA}/app`, `${QB}/app`]) {
      s.addProject({ pathWithNamespace: project, id: ++id });
      s.addMember(id, 'aofbot', 30);
    }
    const reviewed = async (project: string, iid: number) => {
      const head = mr(project, iid);
      const p = s.mustProject(project);
      const res = await send(
        'Merge Request Hook',
        payload('merge_request.open', { project, projectId: p.id, iid, head }),
      );
      assert.equal(res.status, 201, JSON.stringify(await res.clone().json()));
      await finalStatus(head, 'Q Gate Check');
      // The status and the summary note are written side by side: wait for the note too.
      const note = () =>
        s.notesOf(mrOf(project, iid)).find((n) => n.authorId === bot() && n.body.includes('<!-- aof-gate-check'));
      await until(`the summary note on ${project}!${iid}`, () => note() !== undefined);
      return !note()!.body.includes('quota reached');
    };
    assert.equal(await reviewed(`${QA}/app`, 1), true, 'the group’s first analysis');
    assert.equal(await reviewed(`${QA}/app`, 2), false, 'its second is over the limit of 1');
    assert.equal(await reviewed(`${QB}/app`, 1), true, 'another group counts apart');
    // A GitHub organization named as the GitLab group, whose quota is used up: its own account.
    const files = [addedFile('src/run.ts', SOURCE)];
    const head = sha(`github:${QA}/app#1`);
    const pr = stack.withPull(pullRequest(`${QA}/app`, 1, head), files);
    const sent = await stack.send('pull_request', pr);
    assert.ok(sent.status < 300, JSON.stringify(sent.body));
    await until('the GitHub gate commented', () =>
      stack.sandbox.comments.some((c) => c.body.includes('Q Gate Check') && c.issueNumber === 1),
    );
    const comment = stack.sandbox.comments.find((c) => c.body.includes('Q Gate Check'))!;
    assert.ok(!comment.body.includes('quota reached'), comment.body);
  });
});
