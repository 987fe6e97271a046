// The AFA gate on a GitLab merge request, end to end: GitLab's Merge Request Hook (written from GitLab's
// documented example, src/forges/gitlab/examples/README.md) into the ingress, the real Temporal server and
// worker, and the GitLab sandbox answering as GitLab's REST API v4: a commit status named as the gate,
// running then failed, the findings as merge request discussions at their lines, and one summary note.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { gitlabExample } from '../../src/forges/gitlab/examples/index.js';
import { configDir, gitlabDaemonYaml, triggerYaml } from '../harness/config-dir.js';
import { startStack, type Stack } from '../harness/stack.js';
import { until } from '../harness/until.js';
import { GitLabSandbox } from '../../src/sandbox/gitlab/index.js';

const fixture = (name: string) => gitlabExample(name) as Record<string, any>;
const HEAD = fixture('merge_request.open').object_attributes.last_commit.id as string;
const BASE = 'b'.repeat(40);
const SOURCE = 'export function run(input: string) {\n  return eval(input);\n}\n';
const DIFF = '@@ -0,0 +1,3 @@\n+export function run(input: string) {\n+  return eval(input);\n+}\n';

describe('GitLab: the AFA gate on a merge request (issue 26)', function () {
  const gitlab = new GitLabSandbox();
  let stack: Stack;
  const dir = configDir({
    'daemon.yaml': gitlabDaemonYaml(['triggers', 'gates']),
    'gates/g.yaml': 'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: afa}\nspec:\n  title: AFA\n',
    'triggers/t.yaml': triggerYaml('mr-gate', 'commands:\n  merge_request.open: {gate: afa}').replace(
      'type: GitHub',
      'type: GitLab',
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
      env: () => ({ AOF_TEST_GITLAB_TOKEN: 'glpat-bot', AOF_TEST_GITLAB_SECRET: 'gl-secret' }),
      mutate: (r) => (r.daemon.spec.platforms.gitlab!.api_url = gitlab.apiUrl),
    });
  });
  after(async () => {
    await stack?.stop();
    await gitlab.stop();
  });

  it('a commit status named as the gate, the finding as a discussion at its line, one summary note', async () => {
    const res = await fetch(`${stack.url}/webhook/gitlab`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-gitlab-event': 'Merge Request Hook',
        'x-gitlab-token': 'gl-secret',
        'idempotency-key': randomUUID(),
      },
      body: JSON.stringify(fixture('merge_request.open')),
    });
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
});
