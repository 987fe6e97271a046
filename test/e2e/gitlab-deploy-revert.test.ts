// Deploys undone by a merged revert on GitLab: GitLab has no "reverted" event, so a merge request made by
// its Revert button (branch `revert-<short SHA>`, description `This reverts merge request !N`) undoes the
// completed flows of merge request !N once merged, as a GitHub revert does (deploy-revert.test.ts). GitLab's
// documented Note and Merge Request Hooks (src/forges/gitlab/examples) into the ingress, the shared dev
// server and a worker, the GitLab sandbox answering as REST API v4, and a local HTTP server serving the
// deploy and rollback hooks and recording every call.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ACCESS, GitLabSandbox } from '../../src/sandbox/gitlab/index.js';
import { flowUndoWorkflowId } from '../../src/temporal/workflow-ids.js';
import { configDir, gitlabDaemonYaml, gitlabTriggerYaml } from '../harness/config-dir.js';
import { deliverGitLab, mergeRequestHook, postGitLab } from '../harness/gitlab-hook.js';
import { startHooks } from '../harness/hook-server.js';
import { startStack, type Stack } from '../harness/stack.js';
import { until } from '../harness/until.js';

const PROJECT = 'revertgroup/deploys';
const PROJECT_ID = 4101;
const FLOW = 'deploy-undo';

describe('GitLab: a deploy undone by a merged revert of its merge request', function () {
  this.timeout(90_000);
  const gitlab = new GitLabSandbox();
  let hooks: Awaited<ReturnType<typeof startHooks>>;
  let stack: Stack;
  let dir: string;
  let nextIid = 0;

  before(async () => {
    await gitlab.start();
    hooks = await startHooks();
    const s = gitlab.state;
    s.addUser({ username: 'aofbot', token: 'glpat-bot', bot: true });
    for (const username of ['dana', 'carol']) s.addUser({ username });
    s.addProject({ pathWithNamespace: PROJECT, id: PROJECT_ID });
    s.addMember(PROJECT_ID, 'aofbot', ACCESS.developer);
    s.addMember(PROJECT_ID, 'carol', ACCESS.developer);
    s.addMember(PROJECT_ID, 'dana', ACCESS.developer);
    dir = configDir({
      'daemon.yaml': gitlabDaemonYaml(['triggers', 'flows'], `api_url: "${gitlab.apiUrl}", bot_name: aofbot`),
      'flows/undo.yaml': `apiVersion: aof.dev/v1
kind: AgentFlow
metadata: {name: ${FLOW}}
spec:
  nodes:
    - {id: start, type: http, compensate: rollback, config: {url: "${hooks.url}/deploy"}}
    - {id: rollback, type: http, config: {url: "${hooks.url}/rollback"}}
    - {id: done, type: end, config: {status: deployed}}
  connections:
    - {from: start, to: done}
`,
      'triggers/t.yaml': gitlabTriggerYaml(
        'revert',
        'config:\n  gitlab_events: [merge_request, note]\ncommands:\n' +
          `  /deploy production:\n    flow: ${FLOW}\n    params: {require_approval: false, environment: production}`,
      ),
    });
    stack = await startStack({
      config: join(dir, 'daemon.yaml'),
      env: () => ({ AOF_TEST_GITLAB_TOKEN: 'glpat-bot', AOF_TEST_GITLAB_SECRET: 'gl-secret' }),
    });
  });
  after(async () => {
    await stack?.stop();
    await gitlab.stop();
    hooks?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const head = (iid: number) => `${iid}`.padStart(40, 'c');
  const flowId = (iid: number) => `flow/gitlab:${PROJECT}#${iid}/${FLOW}/production`;
  const notes = (iid: number) =>
    gitlab.state.notesOf(gitlab.state.mergeRequest(gitlab.state.mustProject(PROJECT_ID), iid)!).map((n) => n.body);
  const undone = (iid: number) => notes(iid).filter((b) => b.includes(': undone, !'));

  /** A merge request by dana, deployed to production by carol's `/deploy production` note: its iid. */
  async function deployed(): Promise<number> {
    const iid = ++nextIid;
    gitlab.state.addMergeRequest(PROJECT_ID, { iid, author: 'dana', headSha: head(iid), baseSha: 'b'.repeat(40) });
    const p = mergeRequestHook('note.merge_request', { project: PROJECT, projectId: PROJECT_ID, iid, head: head(iid) });
    const carol = gitlab.state.mustUser('carol');
    p.user = { ...p.user, id: carol.id, username: 'carol', name: 'carol' };
    Object.assign(p.object_attributes, { id: gitlab.state.id(), note: '/deploy production', author_id: carol.id });
    p.merge_request.author_id = gitlab.state.mustUser('dana').id;
    await deliverGitLab(stack.url, 'Note Hook', p);
    const handle = stack.client.workflow.getHandle(flowId(iid));
    await until(`the flow on !${iid}`, () =>
      handle.describe().then(
        () => true,
        () => false,
      ),
    );
    assert.equal((await handle.result()).status, 'deployed');
    // A revert finds the flows it undoes by a visibility search, which lags the flow's end.
    await until(`the flow on !${iid} listed as completed`, async () => {
      for await (const w of stack.client.workflow.list({
        query: `WorkflowId = '${flowId(iid)}' AND ExecutionStatus = 'Completed'`,
      }))
        if (w.workflowId === flowId(iid)) return true;
      return false;
    });
    return iid;
  }

  /** GitLab's Merge Request Hook of the Revert button's merge request, merged, whose description is `description`. */
  function revertMerged(description: string) {
    const iid = 100 + ++nextIid;
    gitlab.state.addMergeRequest(PROJECT_ID, {
      iid,
      author: 'carol',
      headSha: head(iid),
      baseSha: 'b'.repeat(40),
      sourceBranch: 'revert-3656b5db',
      state: 'merged',
    });
    const p = mergeRequestHook('merge_request.merge', {
      project: PROJECT,
      projectId: PROJECT_ID,
      iid,
      head: head(iid),
    });
    Object.assign(p.object_attributes, {
      title: 'Revert "Deploy the feature"',
      description,
      source_branch: 'revert-3656b5db',
      author_id: gitlab.state.mustUser('carol').id,
    });
    return { iid, payload: p };
  }

  /** The undo run of merge request `iid`'s flow (its latest run), by the id the ingress gives it. */
  const undoOf = async (iid: number) => {
    const { runId } = await stack.client.workflow.getHandle(flowId(iid)).describe();
    return stack.client.workflow.getHandle(flowUndoWorkflowId(flowId(iid), runId));
  };

  it('a merged revert rolls back once and says so on the reverted merge request; a redelivery undoes nothing more', async () => {
    const iid = await deployed();
    assert.equal(hooks.to('/rollback').count, 0);

    const revert = revertMerged(`This reverts merge request !${iid}`);
    const first = await postGitLab(stack.url, 'Merge Request Hook', revert.payload);
    assert.ok(first.status < 300, first.text);
    const undo = await undoOf(iid);
    assert.equal((await undo.result()).status, 'undone');
    assert.equal(hooks.to('/rollback').count, 1);
    await until(`the undone note on !${iid}`, () => undone(iid).length > 0);
    assert.ok(
      undone(iid)[0]!.includes(`\`${FLOW}\` for \`production\`: undone, !${revert.iid} reverted this merge request`),
      undone(iid)[0],
    );
    assert.ok(undone(iid)[0]!.includes('rollback (http, undoes start) | 200'), undone(iid)[0]);
    const { runId } = await undo.describe();

    // GitLab retries the delivery (the same Idempotency-Key), and the same revert arrives as a new delivery:
    // the ingress answers after starting what it starts, and it starts no second undo.
    for (const key of [first.key, undefined]) {
      const again = await postGitLab(stack.url, 'Merge Request Hook', revert.payload, { key });
      assert.ok(again.status < 300, again.text);
      assert.equal((await undo.describe()).runId, runId);
    }
    assert.equal(hooks.to('/rollback').count, 1);
    assert.equal(undone(iid).length, 1);
  });

  it("a revert naming another project's merge request of the same iid undoes nothing", async () => {
    const iid = await deployed();
    const before = hooks.calls.length;
    for (const description of [
      `This reverts merge request other-group/deploys!${iid}`,
      `This reverts merge request deploys!${iid}`, // the short form names a project of the namespace
    ]) {
      const r = await postGitLab(stack.url, 'Merge Request Hook', revertMerged(description).payload);
      assert.ok(r.status < 300, r.text);
    }
    // The ingress answered after it started whatever it starts: there is no undo run to wait for.
    await assert.rejects((await undoOf(iid)).describe(), /not found/i);
    assert.equal(hooks.calls.length, before);
    assert.equal(undone(iid).length, 0);
  });
});
