// The gate's repository configuration on GitLab (issue 28 item 3): `.aof.yaml` read at the merge request's
// base commit (a merge request adding one that turns the gate off is still reviewed, and its summary note
// says what the file would change), a draft skipped by `gate.skip.drafts` with its status saying why, and an
// invalid file reported at file:line while the review runs with the server's settings.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { gitlabExample } from '../../src/forges/gitlab/examples/index.js';
import { configDir, gitlabDaemonYaml, gitlabTriggerYaml, onGitLabSandbox } from '../harness/config-dir.js';
import { startStack, type Stack } from '../harness/stack.js';
import { tooLarge } from '../../src/gate/repo-config.js';
import { until } from '../harness/until.js';
import { deliverGitLab } from '../harness/gitlab-hook.js';
import { GitLabSandbox } from '../../src/sandbox/gitlab/index.js';
import { sha } from '../harness/synthetic-pr.js';
import { gateWorkflowId } from '../../src/temporal/workflow-ids.js';
import { gateStateQuery } from '../../workflows/definitions.js';

/** A group of this run: the shared dev server keeps workflow ids across test runs. */
const GROUP = `cfgl-${Date.now().toString(36)}`;
const PROJECT = `${GROUP}/app`;
const PROJECT_ID = 7001;
const BASE = 'b'.repeat(40);
const SOURCE = 'export function run(input: string) {\n  return eval(input);\n}\n';
const DIFF = '@@ -0,0 +1,3 @@\n+export function run(input: string) {\n+  return eval(input);\n+}\n';
const added = (path: string, content: string) => ({
  new_path: path,
  new_file: true,
  diff: `@@ -0,0 +1,${content.split('\n').length} @@\n${content
    .split('\n')
    .map((l) => `+${l}`)
    .join('\n')}`,
  content,
});

describe('GitLab: the gate configuration in the repository (issue 28 item 3)', function () {
  const gitlab = new GitLabSandbox();
  let stack: Stack;
  const dir = configDir({
    'daemon.yaml': gitlabDaemonYaml(['triggers', 'gates']),
    'gates/g.yaml': 'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: afa}\nspec:\n  title: AFA\n',
    'triggers/t.yaml': gitlabTriggerYaml(
      'mr-gate',
      `config:\n  projects: ["${GROUP}/*"]\ncommands:\n  merge_request.open: {gate: afa}\n  merge_request.update: {gate: afa}`,
    ),
  });
  before(async () => {
    await gitlab.start();
    const s = gitlab.state;
    s.addUser({ username: 'aofbot', token: 'glpat-bot', bot: true });
    s.addUser({ username: 'root' });
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

  const hook = (p: unknown) => deliverGitLab(stack.url, 'Merge Request Hook', p);
  /** Opens merge request `iid` with `diffs` (and `mr` settings) and waits for its gate status to be final. */
  async function open(iid: number, diffs: ReturnType<typeof added>[], mr: { draft?: boolean } = {}) {
    const head = sha(`${PROJECT}!${iid}`);
    gitlab.state.addMergeRequest(PROJECT_ID, { iid, author: 'root', headSha: head, baseSha: BASE, diffs, ...mr });
    const p = structuredClone(gitlabExample('merge_request.open') as Record<string, any>);
    p.project.path_with_namespace = PROJECT;
    p.project.id = PROJECT_ID;
    p.object_attributes.target_project_id = p.object_attributes.source_project_id = PROJECT_ID;
    p.object_attributes.iid = iid;
    p.object_attributes.last_commit.id = head;
    await hook(p);
    const final = () =>
      gitlab.state.statuses.find(
        (x) => x.sha === head && x.name === 'AFA Gate Check' && ['success', 'failed'].includes(x.status),
      );
    await until(`the gate status of !${iid} is final`, () => final() !== undefined);
    return { ...final()!, sha: head };
  }
  const summary = (iid: number) =>
    gitlab.state
      .notesOf(gitlab.state.mergeRequest(gitlab.state.mustProject(PROJECT_ID), iid)!)
      .find((n) => n.body.includes('<!-- aof-gate-check'));

  it('reads .aof.yaml at the base commit: a merge request adding one that turns the gate off is reviewed, and told what it would change', async () => {
    const status = await open(1, [
      { new_path: 'src/run.ts', new_file: true, diff: DIFF, content: SOURCE },
      added('.aof.yaml', 'gate:\n  enabled: false\n'),
    ]);
    assert.equal(status.status, 'failed', 'reviewed: the eval is a critical finding');
    await until('the summary note', () => summary(1) !== undefined);
    assert.match(summary(1)!.body, /\*\*This merge request changes `\.aof\.yaml`\*\*: it applies once merged/);
    assert.match(summary(1)!.body, /would not be reviewed: the gate is turned off \(gate\.enabled: false\)/);
  });

  it('a draft skipped by gate.skip.drafts: the status says why, and nothing is reviewed', async () => {
    gitlab.state.addFile(PROJECT_ID, BASE, '.aof.yaml', 'gate:\n  skip: { drafts: true }\n');
    try {
      const status = await open(2, [{ new_path: 'src/run.ts', new_file: true, diff: DIFF, content: SOURCE }], {
        draft: true,
      });
      assert.equal(status.status, 'success');
      assert.match(status.description ?? '', /skipped: it is a draft \(gate\.skip\.drafts\)/);
      const mr = gitlab.state.mergeRequest(gitlab.state.mustProject(PROJECT_ID), 2)!;
      assert.deepEqual(gitlab.state.discussionsOf(mr), [], 'no finding posted');
    } finally {
      gitlab.state.addFile(PROJECT_ID, BASE, '.aof.yaml', 'gate:\n  fail_on: sometimes\n');
    }
  });

  it('an invalid .aof.yaml: the summary says file:line, and the review runs with the server settings', async () => {
    const status = await open(3, [{ new_path: 'src/run.ts', new_file: true, diff: DIFF, content: SOURCE }]);
    assert.equal(status.status, 'failed', 'reviewed with the server settings');
    await until('the summary note', () => summary(3) !== undefined);
    assert.match(
      summary(3)!.body,
      /Ignored, the server's settings apply: \.aof\.yaml:2:12: gate\.fail_on: expected one of "critical"/,
    );
  });

  it('a .aof.yaml over 1 MB: the summary says it is too large, and the review runs with the server settings', async () => {
    const big = `gate:\n  fail_on: never\n${'#'.repeat(1024 * 1024)}\n`;
    gitlab.state.addFile(PROJECT_ID, BASE, '.aof.yaml', big);
    const status = await open(4, [{ new_path: 'src/run.ts', new_file: true, diff: DIFF, content: SOURCE }]);
    assert.equal(status.status, 'failed', 'reviewed with the server settings (the file would make it advisory)');
    await until('the summary note', () => summary(4) !== undefined);
    assert.ok(
      summary(4)!.body.includes(
        `Ignored, the server's settings apply: ${tooLarge('.aof.yaml', Buffer.byteLength(big))}`,
      ),
      summary(4)!.body,
    );
  });

  it("reads the merge request's fields beside the diffs, and the configuration at the base with the head's files: 3 reads a review, first and push", async () => {
    gitlab.state.addFile(PROJECT_ID, BASE, '.aof.yaml', 'gate:\n  fail_on: high\n');
    /** The analysis's reads among GitLab's requests since `from`: the listing, GraphQL, a REST read of the MR. */
    const reads = (from: number) =>
      gitlab.requests
        .slice(from)
        .filter((r) => /\/diffs$|\/graphql$|\/merge_requests\/\d+$/.test(r.path) && r.method !== 'PUT')
        .map((r) => `${r.method} ${r.path.replace(/^.*\/merge_requests\/\d+/, 'MR')}`);
    const from = gitlab.requests.length;
    const { sha: head } = await open(5, [{ new_path: 'src/run.ts', new_file: true, diff: DIFF, content: SOURCE }]);
    await until('the summary note', () => summary(5) !== undefined);
    assert.match(
      summary(5)!.body,
      new RegExp(`\\*\\*Repository configuration\\*\\*: \`\\.aof\\.yaml@${BASE.slice(0, 7)}\``),
    );
    assert.deepEqual(reads(from), ['GET MR/diffs', 'POST /api/graphql', 'POST /api/graphql']);
    // The first review's tail (its findings, its bookkeeping) may still run after its note: a push arriving
    // then makes the gate read the merge request's head (a GET of the MR, the gate's, not the analysis's).
    const gate = stack.client.workflow.getHandle(gateWorkflowId(PROJECT, 5, 'gitlab'));
    await until('the first review is done', async () => {
      const s = await gate.query(gateStateQuery);
      return s.reviewing === undefined && !s.pending;
    });

    const pushed = gitlab.requests.length;
    const head2 = sha(`${PROJECT}!5 push 2`);
    gitlab.state.push(PROJECT_ID, 5, head2, [
      {
        new_path: 'src/run.ts',
        new_file: true,
        diff: DIFF.replace('eval(input)', 'eval(input + 1)'),
        content: SOURCE.replace('eval(input)', 'eval(input + 1)'),
      },
    ]);
    const p = structuredClone(gitlabExample('merge_request.update.commits') as Record<string, any>);
    p.project.path_with_namespace = PROJECT;
    p.project.id = PROJECT_ID;
    p.object_attributes.target_project_id = p.object_attributes.source_project_id = PROJECT_ID;
    Object.assign(p.object_attributes, { iid: 5, oldrev: head });
    p.object_attributes.last_commit.id = head2;
    await hook(p);
    await until('the push is reviewed', () =>
      gitlab.state.statuses.some((x) => x.sha === head2 && x.name === 'AFA Gate Check' && x.status === 'failed'),
    );
    assert.deepEqual(reads(pushed), ['GET MR/diffs', 'POST /api/graphql', 'POST /api/graphql']);
  });
});
