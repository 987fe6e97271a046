// Deploys approved through GitLab merge request notes, end to end: GitLab's Note and Merge Request Hooks
// (written from GitLab's documented examples, src/forges/gitlab/examples/README.md) into the ingress, the
// real Temporal server and worker, the GitLab sandbox answering as REST API v4 (members API for who may
// approve), and a deploy hook counting its calls. The same flow as on a GitHub pull request: a plan note,
// a durable wait, approvers by username, group path or access level, never the MR's author nor a bot.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { gitlabExample } from '../../src/forges/gitlab/examples/index.js';
import { ACCESS, GitLabSandbox } from '../../src/sandbox/gitlab/index.js';
import { configDir, gitlabDaemonYaml, gitlabTriggerYaml } from '../harness/config-dir.js';
import {
  deployDriver,
  deployFlow,
  deploysOnceAcrossWorkerKill,
  startDeployHook,
  type DeployWorld,
} from '../harness/deploy-hook.js';
import { startStack, type Stack } from '../harness/stack.js';
import { until } from '../harness/until.js';
import { workerEnvFor, type WorkerProcess } from '../harness/worker-process.js';

const PROJECT = 'gitlab-org/gitlab-test';
const fixture = (name: string) => structuredClone(gitlabExample(name)) as Record<string, any>;

/** A daemon serving GitLab (the sandbox's API) with the deploy flow and one GitLab Trigger of `commands`. */
function gitlabDeployConfig(apiUrl: string, hookUrl: string, commands: string) {
  return configDir({
    // The worker process reads the file: the sandbox's URL is in it.
    'daemon.yaml': gitlabDaemonYaml(['triggers', 'flows'], `api_url: "${apiUrl}", bot_name: aofbot`),
    'flows/f.yaml': deployFlow(hookUrl),
    'triggers/t.yaml': gitlabTriggerYaml(
      'deploys',
      `config:\n  gitlab_events: [merge_request, note]\ncommands:\n${commands}`,
    ),
  });
}

const GITLAB_ENV = { AOF_TEST_GITLAB_TOKEN: 'glpat-bot', AOF_TEST_GITLAB_SECRET: 'gl-secret' };

/** GitLab's project, people and merge requests in the sandbox, and the hooks GitLab would send about them. */
function gitlabWorld(gitlab: GitLabSandbox) {
  const s = gitlab.state;
  s.addUser({ username: 'aofbot', token: 'glpat-bot', bot: true });
  for (const username of ['carol', 'dana', 'mallory', 'alice', 'bob', 'maya']) s.addUser({ username });
  s.addProject({ pathWithNamespace: PROJECT, id: 1 });
  s.addMember(1, 'aofbot', ACCESS.developer);
  s.addMember(1, 'carol', ACCESS.developer);
  s.addMember(1, 'mallory', ACCESS.developer);
  s.addMember(1, 'alice', ACCESS.developer);
  // The author is a maintainer and listed by name: only the self-approval rule stands in her way.
  s.addMember(1, 'dana', ACCESS.maintainer);
  s.addMember(1, 'maya', ACCESS.maintainer);
  s.addGroupMember('gitlab-org/sre', 'bob', ACCESS.reporter);
  const heads = new Map<number, string>();
  let next = 10;
  const user = (username: string) => {
    const u = s.mustUser(username);
    return { id: u.id, name: u.name, username: u.username };
  };
  return {
    /** A merge request by dana, with a fresh iid. */
    open(): number {
      const iid = ++next;
      const head = `${iid}`.padStart(40, 'a');
      s.addMergeRequest(1, { iid, author: 'dana', headSha: head, baseSha: 'b'.repeat(40) });
      heads.set(iid, head);
      return iid;
    },
    head: (iid: number) => heads.get(iid)!,
    /** A Note Hook: `username` wrote `body` on the merge request. */
    note(iid: number, body: string, username: string) {
      const p = fixture('note.merge_request');
      p.user = { ...p.user, ...user(username) };
      Object.assign(p.object_attributes, { id: s.id(), note: body, author_id: user(username).id });
      p.object_attributes.url = `${p.project.web_url}/-/merge_requests/${iid}#note_${p.object_attributes.id}`;
      Object.assign(p.merge_request, { iid, author_id: s.mustUser('dana').id });
      p.merge_request.last_commit.id = heads.get(iid);
      return p;
    },
    /** A push to the merge request's source branch: GitLab's update with `oldrev`. */
    push(iid: number, sha: string) {
      const p = fixture('merge_request.update.commits');
      p.user = { ...p.user, ...user('dana') };
      Object.assign(p.object_attributes, { iid, author_id: s.mustUser('dana').id, oldrev: heads.get(iid) });
      p.object_attributes.last_commit.id = sha;
      s.push(1, iid, sha);
      heads.set(iid, sha);
      return p;
    },
    notes(iid: number): string[] {
      const mr = s.mergeRequest(s.mustProject(1), iid);
      return mr ? s.notesOf(mr).map((n) => n.body) : [];
    },
    /** GitLab's close hook for the merge request. */
    close(iid: number) {
      const p = fixture('merge_request.close');
      Object.assign(p.object_attributes, { iid });
      p.object_attributes.last_commit.id = heads.get(iid);
      return p;
    },
  };
}

/** The deploy scenarios' view of the world: its hooks sent to the stack `stack()` gives. */
const deployWorld = (world: ReturnType<typeof gitlabWorld>, stack: () => Stack): DeployWorld => ({
  open: () => world.open(),
  comment: (iid, body, who) => send(stack().url, 'Note Hook', world.note(iid, body, who)),
  comments: (iid) => world.notes(iid),
  flowId: (iid, environment) => `flow/gitlab:${PROJECT}#${iid}/deploy-prod/${environment}`,
  push: (iid, sha) => send(stack().url, 'Merge Request Hook', world.push(iid, sha)),
  close: (iid) => send(stack().url, 'Merge Request Hook', world.close(iid)),
});

async function send(url: string, event: 'Note Hook' | 'Merge Request Hook', payload: unknown) {
  const res = await fetch(`${url}/webhook/gitlab`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-gitlab-event': event,
      'x-gitlab-token': 'gl-secret',
      'idempotency-key': randomUUID(),
    },
    body: JSON.stringify(payload),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describe('GitLab: deploys approved through merge request notes (issue 26)', function () {
  this.timeout(60_000);
  const gitlab = new GitLabSandbox();
  let hook: Awaited<ReturnType<typeof startDeployHook>>;
  let stack: Stack;
  let dir: string;
  let world: ReturnType<typeof gitlabWorld>;

  before(async () => {
    await gitlab.start();
    hook = await startDeployHook();
    world = gitlabWorld(gitlab);
    dir = gitlabDeployConfig(
      gitlab.apiUrl,
      hook.url,
      [
        '  /deploy production:',
        '    flow: deploy-prod',
        '    params: {approvers: [alice, dana, gitlab-org/sre], min_permission: maintain, environment: production}',
        '  /deploy staging:',
        '    flow: deploy-prod',
        '    params: {approvers: [alice, bob], min_approvers: 2, environment: staging}',
      ].join('\n'),
    );
    stack = await startStack({ config: join(dir, 'daemon.yaml'), env: () => GITLAB_ENV });
  });
  after(async () => {
    await stack?.stop();
    await gitlab.stop();
    hook?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => (hook.calls.length = 0));

  const { requestDeploy, approve, refused, listedDeploysOnce, pushVoidsPendingApproval, botsNeverApprove } =
    deployDriver(() => ({ stack, hook, world: deployWorld(world, () => stack) }));

  it('waits; the author and someone without access are refused; a listed username deploys once', async () => {
    const iid = world.open();
    const flow = await requestDeploy(iid);
    // Waiting: a running status on the head, no deploy.
    await until('the deploy status is running', () =>
      gitlab.state.statuses.some((x) => x.name === 'deploy production' && x.status === 'running'),
    );
    assert.equal((await flow.describe()).status.name, 'RUNNING');
    assert.equal(hook.calls.length, 0);

    // dana wrote the merge request: listed by name and a maintainer, and still refused (by user id).
    await refused(iid, 'dana', '@dana you opened this merge request, so you cannot approve');
    await refused(iid, 'mallory', '@mallory is not an approver');
    assert.equal(hook.calls.length, 0);
    await listedDeploysOnce(iid, flow, 'alice', world.head(iid));
    // The environment's lock is found in the Web UI by forge and project, as gates are.
    const lockId = `lock/gitlab:${PROJECT}/production`;
    const query = `AofForge = 'gitlab' AND AofKind = 'lock' AND AofRepository = '${PROJECT}'`;
    await until(`${lockId} listed by ${query}`, async () => {
      for await (const w of stack.client.workflow.list({ query })) if (w.workflowId === lockId) return true;
      return false;
    });
    const status = gitlab.state.statuses.find((x) => x.name === 'deploy production' && x.sha === world.head(iid));
    assert.equal(status?.status, 'success');
    assert.ok(status.history.includes('running'), status.history.join());
  });

  it('a member of a listed group, and a maintainer (min_permission: maintain), each deploy once', async () => {
    const [a, b] = [world.open(), world.open()];
    const [flowA, flowB] = [await requestDeploy(a), await requestDeploy(b)];
    assert.equal((await approve(a, 'bob')).status, 202);
    assert.equal((await approve(b, 'maya')).status, 202);
    const [ra, rb] = [await flowA.result(), await flowB.result()];
    assert.deepEqual(
      [ra.status, ra.approval.approvals[0].via, rb.status, rb.approval.approvals[0].via],
      ['deployed', 'member of gitlab-org/sre', 'deployed', 'maintainer access'],
    );
    assert.equal(hook.calls.length, 2);
    assert.equal(new Set(hook.calls.map((c) => c.key)).size, 2);
  });

  it('a new push voids a pending approval: the later approval finds nothing waiting, nothing deploys', () =>
    pushVoidsPendingApproval({ first: 'alice', late: 'bob', change: 'merge request' }));

  it('bots never approve: a note of the bot, or of a GitLab bot user, is routed like any note', () => {
    gitlab.state.addUser({ username: 'project_1_bot_5e2a' });
    gitlab.state.addMember(1, 'project_1_bot_5e2a', ACCESS.maintainer);
    return botsNeverApprove(['aofbot', 'project_1_bot_5e2a']);
  });
});

describe('GitLab: an approved deploy survives a worker SIGKILL (issue 26)', function () {
  this.timeout(60_000);
  const gitlab = new GitLabSandbox();
  let hook: Awaited<ReturnType<typeof startDeployHook>>;
  let stack: Stack;
  let dir: string;
  const workers: WorkerProcess[] = [];

  before(async () => {
    await gitlab.start();
    hook = await startDeployHook();
    dir = gitlabDeployConfig(
      gitlab.apiUrl,
      hook.url,
      // An environment of its own: the lock of the suite above (served by its task queue) may still be open.
      '  /deploy production:\n    flow: deploy-prod\n    params: {approvers: [alice], environment: eu-production}',
    );
    stack = await startStack({ config: join(dir, 'daemon.yaml'), env: () => GITLAB_ENV, withWorker: false });
  });
  after(async () => {
    for (const w of workers) await w.kill();
    await stack?.stop();
    await gitlab.stop();
    hook?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the worker dies between the approval and the deploy; a new worker deploys exactly once', async () => {
    const world = gitlabWorld(gitlab);
    await deploysOnceAcrossWorkerKill({
      stack,
      hook,
      daemonFile: join(dir, 'daemon.yaml'),
      env: await workerEnvFor(stack, GITLAB_ENV),
      workers,
      command: '/deploy production',
      environment: 'eu-production',
      world: deployWorld(world, () => stack),
    });
  });
});
