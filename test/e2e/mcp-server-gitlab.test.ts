// `aofctl mcp` on GitLab, end to end: a merge request in a subgroup's project reviewed by the gate through the
// GitLab sandbox (GitLab's Merge Request Hook into the ingress, the real worker and the shared Temporal dev
// server), read and re-reviewed by the SDK's MCP client over streamable HTTP with the group's token; a
// deploy waiting for approval on another merge request while a first one holds the environment's lock; and
// tokens of another group, or of a GitHub owner spelt as the group, reaching none of it.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { gitlabExample } from '../../src/forges/gitlab/examples/index.js';
import { ACCESS, GitLabSandbox } from '../../src/sandbox/gitlab/index.js';
import { gitlabDaemonYaml, gitlabTriggerYaml } from '../harness/config-dir.js';
import { deployFlow, startDeployHook } from '../harness/deploy-hook.js';
import { deliverGitLab, mergeRequestHook, postGitLab } from '../harness/gitlab-hook.js';
import { startMcpEndpoint } from '../harness/mcp-endpoint.js';
import { startStackFor, type Stack } from '../harness/stack.js';
import { addedFile, sha, tsFunctions } from '../harness/synthetic-pr.js';
import { until } from '../harness/until.js';

const TOKENS = {
  AOF_TEST_MCP_GL_GROUP: `mcp-gl-group-${randomUUID()}`,
  AOF_TEST_MCP_GL_OTHER: `mcp-gl-other-${randomUUID()}`,
  AOF_TEST_MCP_GH_SAME_NAME: `mcp-gh-same-${randomUUID()}`,
};

describe('aofctl mcp on GitLab: a merge request through the MCP tools', function () {
  this.timeout(120_000);
  const run = randomUUID().slice(0, 6);
  /** The token's group; each run has its own, as workflow ids outlive a test on the shared dev server. */
  const GROUP = `mcp-gl-${run}`;
  const gitlab = new GitLabSandbox();
  let stack: Stack;
  let mcp: Awaited<ReturnType<typeof startMcpEndpoint>>;
  let hook: Awaited<ReturnType<typeof startDeployHook>>;

  before(async () => {
    Object.assign(process.env, TOKENS);
    await gitlab.start();
    hook = await startDeployHook();
    const s = gitlab.state;
    s.addUser({ username: 'aofbot', token: 'glpat-bot', bot: true });
    for (const username of ['root', 'dana', 'carol', 'alice']) s.addUser({ username });
    stack = await startStackFor(
      {
        'daemon.yaml': gitlabDaemonYaml(
          ['triggers', 'gates', 'flows'],
          `api_url: "${gitlab.apiUrl}", bot_name: aofbot`,
          '  mcp:\n    tokens:\n' +
            `      - {organization: ${GROUP}, forge: gitlab, token_env: AOF_TEST_MCP_GL_GROUP}\n` +
            `      - {organization: other-${run}, forge: gitlab, token_env: AOF_TEST_MCP_GL_OTHER}\n` +
            `      - {organization: ${GROUP}, forge: github, token_env: AOF_TEST_MCP_GH_SAME_NAME}\n`,
        ),
        'gates/g.yaml': 'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: afa}\nspec:\n  title: AFA\n',
        'flows/f.yaml': deployFlow(hook.url),
        'triggers/t.yaml': gitlabTriggerYaml(
          'mcp-gitlab',
          'config:\n  gitlab_events: [merge_request, note]\ncommands:\n' +
            '  merge_request.open: {gate: afa}\n  /review: {gate: afa}\n' +
            '  /deploy production:\n    flow: deploy-prod\n    params: {approvers: [alice], environment: production}',
        ),
      },
      { env: () => ({ AOF_TEST_GITLAB_TOKEN: 'glpat-bot', AOF_TEST_GITLAB_SECRET: 'gl-secret' }) },
    );
    mcp = await startMcpEndpoint(stack, pino({ level: 'silent' }));
  });
  after(async () => {
    await mcp?.close();
    hook?.close();
    await stack?.stop();
    await gitlab.stop();
  });

  const connect = (token: string) => mcp.connect(token);
  const call = (...a: Parameters<typeof mcp.call>) => mcp.call(...a);

  /** A project of the group with the bot as a developer; its id. */
  const project = (path: string) => {
    const p = gitlab.state.addProject({ pathWithNamespace: path });
    gitlab.state.addMember(p.id, 'aofbot', ACCESS.developer);
    return p.id;
  };
  /** The gate's final statuses GitLab was asked to set on `head`. */
  const finalStatuses = (head: string) =>
    gitlab.requests.filter(
      (r) =>
        r.method === 'POST' &&
        r.path.endsWith(`/statuses/${head}`) &&
        r.status < 300 &&
        ['success', 'failed'].includes((r.body as { state: string }).state),
    ).length;

  it('gate_findings reads the gate of a merge request in a subgroup; request_review asks once per head', async () => {
    const path = `${GROUP}/tools/app`;
    const id = project(path);
    const file = addedFile('src/a.ts', tsFunctions(2));
    const head = sha(`${path}!1`);
    gitlab.state.addMergeRequest(id, {
      iid: 1,
      author: 'root',
      headSha: head,
      baseSha: 'b'.repeat(40),
      diffs: [{ new_path: file.filename, new_file: true, diff: file.patch, content: file.content }],
    });
    await deliverGitLab(
      stack.url,
      'Merge Request Hook',
      mergeRequestHook('merge_request.open', { project: path, projectId: id, iid: 1, head }),
    );
    const client = await connect(TOKENS.AOF_TEST_MCP_GL_GROUP);
    let r = await call(client, 'gate_findings', { repository: path, number: 1 });
    await until('the verdict of the first review', async () => {
      r = await call(client, 'gate_findings', { repository: path, number: 1 });
      return r.structuredContent?.verdict !== undefined;
    });
    assert.equal(r.isError, undefined, r.content[0]!.text);
    const v = r.structuredContent.verdict;
    assert.deepEqual([v.headSha, v.conclusion, v.findingsTotal], [head, 'success', 2]);
    assert.deepEqual(
      v.findings.map((f: any) => [f.path, f.line, f.severity, f.reviewer, f.function]),
      [0, 1].map((i) => ['src/a.ts', 2 + 5 * i, 'low', 'maintainability', `f${i}`]),
    );
    assert.equal(r.structuredContent.reviews, 1);
    // GitLab names a merge request `!1`, not `#1`.
    assert.match(
      r.content[0]!.text,
      new RegExp(`^AFA gate on ${path}!1 \\(running\\): success at ${head.slice(0, 12)}`),
    );
    assert.equal(finalStatuses(head), 1);

    const asked = await call(client, 'request_review', { repository: path, number: 1, head_sha: head });
    assert.equal(asked.structuredContent?.status, 'requested', asked.content[0]!.text);
    await until('the second review', async () => {
      r = await call(client, 'gate_findings', { repository: path, number: 1 });
      return r.structuredContent.reviews === 2 && r.structuredContent.reviewing === undefined;
    });
    assert.equal(r.structuredContent.verdict.coverage.reusedTotal, 2);
    assert.equal(finalStatuses(head), 2);
    // The same head again: the gate counts the request's key once.
    await call(client, 'request_review', { repository: path, number: 1, head_sha: head });
    r = await call(client, 'gate_findings', { repository: path, number: 1 });
    assert.deepEqual([r.structuredContent.reviews, r.structuredContent.requestPending], [2, false]);

    // Another group's token, and a GitHub owner's token spelt as the group, reach none of it.
    const other = await connect(TOKENS.AOF_TEST_MCP_GL_OTHER);
    const github = await connect(TOKENS.AOF_TEST_MCP_GH_SAME_NAME);
    for (const tool of ['gate_findings', 'deploy_requests', 'request_review']) {
      const o = await call(other, tool, { repository: path, number: 1, head_sha: 'c'.repeat(40) });
      assert.equal(o.isError, true, tool);
      assert.equal(
        o.content[0]!.text,
        `this token is for the gitlab organization other-${run}; ${path} is not one of its repositories`,
      );
      const g = await call(github, tool, { repository: path, number: 1, head_sha: 'c'.repeat(40) });
      assert.equal(g.isError, true, tool);
      assert.equal(g.content[0]!.text, 'repository must be owner/repository');
    }
    // A GitHub repository of the same two segments is a GitHub one: the GitLab project's gate is not it.
    const twoSegments = `${GROUP}/app`;
    const gid = project(twoSegments);
    gitlab.state.addMergeRequest(gid, {
      iid: 2,
      author: 'root',
      headSha: sha(`${twoSegments}!2`),
      baseSha: 'b'.repeat(40),
      diffs: [{ new_path: file.filename, new_file: true, diff: file.patch, content: file.content }],
    });
    await deliverGitLab(
      stack.url,
      'Merge Request Hook',
      mergeRequestHook('merge_request.open', {
        project: twoSegments,
        projectId: gid,
        iid: 2,
        head: sha(`${twoSegments}!2`),
      }),
    );
    await until('the gate of the two-segment project', async () => {
      const x = await call(client, 'gate_findings', { repository: twoSegments, number: 2 });
      return x.structuredContent?.verdict !== undefined;
    });
    for (const tool of ['gate_findings', 'request_review']) {
      const g = await call(github, tool, { repository: twoSegments, number: 2 });
      assert.equal(g.isError, true, tool);
      assert.match(g.content[0]!.text, new RegExp(`^no gate check has run on ${twoSegments}#2`));
    }
    // Nothing was asked on their behalf.
    r = await call(client, 'gate_findings', { repository: path, number: 1 });
    assert.deepEqual([r.structuredContent.reviews, r.structuredContent.requestPending], [2, false]);
    const two = await call(client, 'gate_findings', { repository: twoSegments, number: 2 });
    assert.deepEqual([two.structuredContent.reviews, two.structuredContent.requestPending], [1, false]);
  });

  it('deploy_requests shows a deploy waiting for approval and the lock another merge request holds', async () => {
    const path = `${GROUP}/svc`;
    const id = project(path);
    for (const u of ['carol', 'alice']) gitlab.state.addMember(id, u, ACCESS.developer);
    const note = (iid: number, body: string, username: string) => {
      const p = structuredClone(gitlabExample('note.merge_request')) as Record<string, any>;
      const u = gitlab.state.mustUser(username);
      p.user = { ...p.user, id: u.id, name: u.name, username: u.username };
      p.project.path_with_namespace = path;
      p.project.id = id;
      Object.assign(p.object_attributes, { id: gitlab.state.id(), note: body, author_id: u.id, project_id: id });
      Object.assign(p.merge_request, {
        iid,
        author_id: gitlab.state.mustUser('dana').id,
        target_project_id: id,
        source_project_id: id,
      });
      p.merge_request.last_commit.id = `${iid}`.padStart(40, 'a');
      return p;
    };
    const notes = (iid: number) => gitlab.state.notesOf(gitlab.state.mergeRequest(gitlab.state.mustProject(id), iid)!);
    const requested = async (iid: number) => {
      gitlab.state.addMergeRequest(id, {
        iid,
        author: 'dana',
        headSha: `${iid}`.padStart(40, 'a'),
        baseSha: 'b'.repeat(40),
      });
      await deliverGitLab(stack.url, 'Note Hook', note(iid, '/deploy production', 'carol'));
      await until(`the plan note on !${iid}`, () =>
        notes(iid).some((n) => n.body.includes('Deploy to `production` requested by @carol')),
      );
    };
    const client = await connect(TOKENS.AOF_TEST_MCP_GL_GROUP);
    await requested(11);
    const release = hook.hold();
    try {
      const approved = await postGitLab(stack.url, 'Note Hook', note(11, '/approve', 'alice'));
      assert.equal(approved.status, 202, approved.text);
      await until('!11 deploying', () => hook.calls.some((c) => c.path === '/deploy/production'), {
        detail: () => JSON.stringify(notes(11).map((n) => n.body)),
      });
      await requested(12);
      let r = await call(client, 'deploy_requests', { repository: path, number: 12 });
      await until("!12's wait and !11's lock", async () => {
        r = await call(client, 'deploy_requests', { repository: path, number: 12 });
        return r.structuredContent?.waiting.length === 1 && r.structuredContent.locks.length === 1;
      });
      const w = r.structuredContent.waiting[0];
      assert.equal(w.workflowId, `flow/gitlab:${path}#12/deploy-prod/production`);
      assert.deepEqual(
        [w.environment, w.approvers, w.approvedBy, w.requestedBy, w.headSha],
        ['production', ['alice'], [], 'carol', `${12}`.padStart(40, 'a')],
      );
      // The holder as GitLab writes a merge request: `!11`.
      assert.deepEqual(r.structuredContent.locks, [
        {
          environment: 'production',
          holder: '!11',
          queue: [{ position: 0, label: '!11', thisPullRequest: false }],
          queueTotal: 1,
        },
      ]);
      assert.match(r.content[0]!.text, new RegExp(`^Deploys of ${path}!12:\n- production: waiting since `));
      const mine = await call(client, 'deploy_requests', { repository: path, number: 11 });
      assert.deepEqual(mine.structuredContent.waiting, []);
      assert.equal(mine.structuredContent.locks[0].queue[0].thisPullRequest, true);
      // A GitHub owner's token spelt as the group sees none of the GitLab project's deploys or locks.
      const github = await connect(TOKENS.AOF_TEST_MCP_GH_SAME_NAME);
      const g = await call(github, 'deploy_requests', { repository: path, number: 12 });
      assert.deepEqual([g.structuredContent.waiting, g.structuredContent.locks], [[], []]);
    } finally {
      release();
    }
  });
});
