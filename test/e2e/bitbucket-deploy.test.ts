// Deploys approved through Bitbucket pull request comments, Cloud and Data Center, end to end (issue 27):
// Bitbucket's `pullrequest:comment_created`, `pullrequest:updated` and `pullrequest:fulfilled` (Data Center:
// `pr:comment:added`, `pr:modified`, `pr:from_ref_updated`, `pr:merged`, `pr:declined`; written from
// Atlassian's documented examples, src/forges/bitbucket/examples/README.md), signed as Bitbucket signs them,
// into the ingress, the real Temporal server and worker, the Bitbucket sandbox answering as Cloud's 2.0 API
// (the workspace's permissions API for who may approve) or Data Center's REST API 1.0 (its users filtered by
// repository permission), and a deploy hook counting its calls. The same flow as on GitHub and GitLab: a plan
// comment, a durable wait, approvers by nickname, account id, uuid (Data Center: user name, slug, user id) or
// repository permission, never the pull request's author (by account uuid or user id) nor a bot. Mirrors
// gitlab-deploy.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { checkKey } from '../../src/forges/bitbucket/verbs.js';
import { BitbucketSandbox } from '../../src/sandbox/bitbucket/index.js';
import {
  BITBUCKET_BOT,
  BITBUCKET_FLAVORS,
  bitbucketDaemon,
  bitbucketEnv,
  bitbucketTriggerYaml,
  deliverBitbucket,
  type BitbucketFlavor,
} from '../harness/bitbucket-stack.js';
import { configDir } from '../harness/config-dir.js';
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

const SECRET = 'bb-e2e-s3cret';

/** A daemon serving Bitbucket (the sandbox's API) with the deploy flow and one Bitbucket Trigger of `commands`. */
function bitbucketDeployConfig(apiUrl: string, hookUrl: string, repo: string, commands: string) {
  return configDir({
    // The worker process reads the file: the sandbox's URL is in it.
    'daemon.yaml': bitbucketDaemon(['triggers', 'flows'], `api_url: "${apiUrl}", bot_name: ${BITBUCKET_BOT.nickname}`),
    'flows/f.yaml': deployFlow(hookUrl),
    'triggers/t.yaml': bitbucketTriggerYaml('deploys', `config:\n  repositories: ["${repo}"]\ncommands:\n${commands}`),
  });
}

/**
 * The repository, people and pull requests in the sandbox, and the deliveries Bitbucket would send about
 * them, sent to the stack `stack()` gives.
 */
function bitbucketWorld(bitbucket: BitbucketSandbox, flavor: BitbucketFlavor, repo: string, stack: () => Stack) {
  const send = (key: string, payload: unknown) => deliverBitbucket(stack(), SECRET, key, payload, flavor);
  const about = (key: string, id: number, actor: string, comment?: string) =>
    flavor.payloadAbout(s, key, { repo, id, actor, ...(comment !== undefined ? { comment } : {}) });
  const { keys } = flavor;
  const s = bitbucket.state;
  s.addUser(flavor.bot);
  for (const nickname of ['carol', 'dana', 'mallory', 'alice', 'walt', 'uma', 'maya']) s.addUser({ nickname });
  s.addUser({ nickname: 'deploy-app', app: true });
  // The bot's account administers the repository: Bitbucket tells only admins the permissions of others.
  s.addRepository(repo, {
    aofbot: 'admin',
    carol: 'write',
    mallory: 'read',
    alice: 'write',
    walt: 'read',
    uma: 'read',
    // The author is an admin and listed by name: only the self-approval rule stands in her way.
    dana: 'admin',
    maya: 'admin',
    'deploy-app': 'admin',
  });
  // walt and uma are listed by an id, not their name: on Cloud by account id and by uuid (without braces, as
  // people copy it); on Data Center by user slug (derived from the name when the user was made, so apart from
  // it after a rename) and by numeric user id.
  if (flavor.dataCenter) s.mustUser('walt').slug = 'walter';
  const [walt, uma] = [s.mustUser('walt'), s.mustUser('uma')];
  const listed = flavor.dataCenter
    ? { walt: walt.slug, uma: String(uma.id) }
    : { walt: walt.accountId, uma: uma.uuid.slice(1, -1) };
  let next = 10;
  const world = {
    /** How walt and uma are listed among the approvers. */
    listed,
    /** A pull request by dana, with a fresh id (and a source commit whose 12 first characters are its own). */
    open(): number {
      const id = ++next;
      s.addPullRequest(repo, { id, author: 'dana', sourceCommit: `c0de${id}`.padEnd(40, '0'), changes: [] });
      return id;
    },
    /** The source commit as Bitbucket's webhooks give it (Cloud abbreviates it), and the flows know it. */
    head: (id: number) => s.pullRequest(repo, id)!.sourceCommit.slice(0, flavor.dataCenter ? 40 : 12),
    /** `nickname` commented `body` on the pull request. */
    comment: (id: number, body: string, nickname: string) =>
      send(keys.commented, about(keys.commented, id, nickname, body)),
    /** dana edited the pull request (the same source commit): Cloud's `pullrequest:updated`, `pr:modified`. */
    edit: (id: number) => send(keys.edited, about(keys.edited, id, 'dana')),
    /** dana pushed `sha` to the pull request's source branch: `pullrequest:updated`, `pr:from_ref_updated`. */
    push(id: number, sha: string) {
      const previous = s.pullRequest(repo, id)!.sourceCommit;
      s.push(repo, id, sha, []);
      const p = about(keys.pushed, id, 'dana');
      if (flavor.dataCenter) p.previousFromHash = previous;
      return send(keys.pushed, p);
    },
    /** The pull request merged: `pullrequest:fulfilled`, `pr:merged`. */
    close(id: number) {
      s.pullRequest(repo, id)!.state = 'MERGED';
      return send(keys.merged, about(keys.merged, id, 'dana'));
    },
    /** The pull request declined: `pullrequest:rejected`, `pr:declined`. */
    decline(id: number) {
      s.pullRequest(repo, id)!.state = 'DECLINED';
      return send(keys.declined, about(keys.declined, id, 'dana'));
    },
    comments: (id: number) => s.commentsOf(repo, id).map((c) => c.raw),
    flowId: (id: number, environment: string) => `flow/bitbucket:${repo}#${id}/deploy-prod/${environment}`,
    /** The deploy's build status on the pull request's source commit. */
    deployStatus: (id: number, environment: string) =>
      s.statuses.find(
        (x) => x.commit === s.pullRequest(repo, id)!.sourceCommit && x.key === checkKey(`deploy ${environment}`).key,
      ),
  };
  return world satisfies DeployWorld;
}

for (const flavor of BITBUCKET_FLAVORS)
  describe(`Bitbucket ${flavor.name}: deploys approved through pull request comments (issue 27)`, function () {
    this.timeout(60_000);
    const REPO = flavor.dataCenter ? 'DEPLOYDC/backend' : 'deployws/backend';
    const bitbucket = new BitbucketSandbox();
    let hook: Awaited<ReturnType<typeof startDeployHook>>;
    let stack: Stack;
    let dir: string;
    let world: ReturnType<typeof bitbucketWorld>;

    before(async () => {
      await bitbucket.start();
      hook = await startDeployHook();
      world = bitbucketWorld(bitbucket, flavor, REPO, () => stack);
      dir = bitbucketDeployConfig(
        flavor.apiUrl(bitbucket),
        hook.url,
        REPO,
        [
          '  /deploy production:',
          '    flow: deploy-prod',
          `    params: {approvers: [alice, dana, "${world.listed.walt}", "${world.listed.uma}"], min_permission: maintain, environment: production}`,
          '  /deploy staging:',
          '    flow: deploy-prod',
          `    params: {approvers: [alice, "${world.listed.walt}"], min_approvers: 2, environment: staging}`,
          '  /deploy locked:',
          '    flow: deploy-prod',
          '    params: {approvers: [alice], environment: locked}',
          // Data Center reads a group's members (Cloud's API cannot: validation refuses groups there).
          ...(flavor.dataCenter
            ? [
                '  /deploy grouped:',
                '    flow: deploy-prod',
                `    params: {approvers: ["${REPO.split('/')[0]}/release-managers", OTHERPROJ/ops], environment: grouped}`,
              ]
            : []),
        ].join('\n'),
      );
      stack = await startStack({ config: join(dir, 'daemon.yaml'), env: () => bitbucketEnv(SECRET, flavor) });
    });
    after(async () => {
      await stack?.stop();
      await bitbucket.stop();
      hook?.close();
      rmSync(dir, { recursive: true, force: true });
    });
    beforeEach(() => (hook.calls.length = 0));
    afterEach(function () {
      if (this.currentTest?.state === 'passed') assert.deepEqual(bitbucket.state.violations, []);
    });

    const { requestDeploy, approve, refused, listedDeploysOnce, pushVoidsPendingApproval, botsNeverApprove } =
      deployDriver(() => ({
        stack,
        hook,
        world,
      }));

    it('waits; the author and someone without access are refused; a listed nickname deploys once', async () => {
      const id = world.open();
      const flow = await requestDeploy(id);
      // Waiting: an INPROGRESS build status on the source commit, no deploy.
      await until(
        'the deploy status is in progress',
        () => world.deployStatus(id, 'production')?.state === 'INPROGRESS',
      );
      assert.equal((await flow.describe()).status.name, 'RUNNING');
      assert.equal(hook.calls.length, 0);

      // dana opened the pull request, is an admin, and has taken another nickname since: still refused, by
      // her account's uuid.
      const dana = bitbucket.state.mustUser('dana');
      dana.nickname = 'dana-renamed';
      try {
        await refused(id, 'dana-renamed', '@dana-renamed you opened this pull request, so you cannot approve');
      } finally {
        dana.nickname = 'dana';
      }
      await refused(id, 'mallory', '@mallory is not an approver');
      assert.equal(hook.calls.length, 0);
      await listedDeploysOnce(id, flow, 'alice', world.head(id));
      const status = world.deployStatus(id, 'production');
      assert.equal(status?.state, 'SUCCESSFUL');
      assert.ok(status.history.includes('INPROGRESS'), status.history.join());
    });

    it('an account listed by an id (Cloud: account id, uuid; Data Center: slug, user id) and an admin (min_permission: maintain) each deploy once', async () => {
      const ids = [world.open(), world.open(), world.open()];
      const flows: Awaited<ReturnType<typeof requestDeploy>>[] = [];
      for (const id of ids) flows.push(await requestDeploy(id));
      for (const [i, who] of ['walt', 'uma', 'maya'].entries()) assert.equal((await approve(ids[i]!, who)).status, 202);
      const results = await Promise.all(flows.map((f) => f.result()));
      assert.deepEqual(
        results.map((r) => [r.status, r.approval.approvals[0].login, r.approval.approvals[0].via]),
        [
          ['deployed', 'walt', `listed as ${world.listed.walt}`],
          ['deployed', 'uma', `listed as ${world.listed.uma}`],
          ['deployed', 'maya', 'admin permission'],
        ],
      );
      assert.equal(hook.calls.length, 3);
      assert.equal(new Set(hook.calls.map((c) => c.key)).size, 3);
    });

    it('a new push voids a pending approval: the later approval finds nothing waiting, nothing deploys', async () => {
      await pushVoidsPendingApproval({
        first: 'alice',
        late: 'walt',
        change: 'pull request',
        // A title edit (the same source commit) changes nothing: one "New push" comment, for the push.
        beforePush: async (id) => assert.ok((await world.edit(id)).status < 300),
      });
    });

    it('bots never approve: a comment of the bot, or of a Bitbucket app, is routed like any comment', () =>
      botsNeverApprove(['aofbot', 'deploy-app']));

    if (flavor.dataCenter)
      it("a member of a group listed as PROJECT/group deploys once; a group under another project's key counts for none", async () => {
        const s = bitbucket.state;
        s.addGroup('release-managers', ['uma']);
        s.addGroup('ops', ['mallory']);
        const id = world.open();
        const flow = await requestDeploy(id, 'grouped');
        // mallory is in `ops`, listed under another project's key: not an approver here.
        await refused(id, 'mallory', '@mallory is not an approver');
        assert.equal((await approve(id, 'uma')).status, 202);
        const result = await flow.result();
        assert.deepEqual(
          [result.status, result.approval.approvals[0].login, result.approval.approvals[0].via],
          ['deployed', 'uma', `member of ${REPO.split('/')[0]}/release-managers`],
        );
        assert.equal(hook.calls.length, 1);
      });

    it('a declined pull request ends its waiting deploy: nothing deploys', async () => {
      const id = world.open();
      const flow = await requestDeploy(id);
      assert.ok((await world.decline(id)).status < 300);
      assert.equal((await flow.result()).approval.decision, 'closed');
      assert.equal(hook.calls.length, 0);
    });

    it("an environment's lock: a second approved deploy queues while the first runs, then deploys after it", async () => {
      const [a, b] = [world.open(), world.open()];
      const flowA = await requestDeploy(a, 'locked');
      const release = hook.hold();
      try {
        assert.equal((await approve(a, 'alice')).status, 202);
        await until('the first deploy call', () => hook.calls.length === 1);
        const flowB = await requestDeploy(b, 'locked');
        assert.equal((await approve(b, 'alice')).status, 202);
        await until('the second request queued', () =>
          world.comments(b).some((x) => x.startsWith('Queued for `locked`: position 1')),
        );
        assert.equal(hook.calls.length, 1, 'one deploy at a time');
        release();
        assert.deepEqual([(await flowA.result()).status, (await flowB.result()).status], ['deployed', 'deployed']);
      } finally {
        release();
      }
      assert.equal(hook.calls.length, 2);
    });
  });

for (const flavor of BITBUCKET_FLAVORS)
  describe(`Bitbucket ${flavor.name}: an approved deploy survives a worker SIGKILL (issue 27)`, function () {
    this.timeout(60_000);
    const REPO = flavor.dataCenter ? 'DEPLOYDC/survivor' : 'deployws/survivor';
    const bitbucket = new BitbucketSandbox();
    let hook: Awaited<ReturnType<typeof startDeployHook>>;
    let stack: Stack;
    let dir: string;
    const workers: WorkerProcess[] = [];

    before(async () => {
      await bitbucket.start();
      hook = await startDeployHook();
      dir = bitbucketDeployConfig(
        flavor.apiUrl(bitbucket),
        hook.url,
        REPO,
        '  /deploy production:\n    flow: deploy-prod\n    params: {approvers: [alice], environment: production}',
      );
      stack = await startStack({
        config: join(dir, 'daemon.yaml'),
        env: () => bitbucketEnv(SECRET, flavor),
        withWorker: false,
      });
    });
    after(async () => {
      for (const w of workers) await w.kill();
      await stack?.stop();
      await bitbucket.stop();
      hook?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('the worker dies between the approval and the deploy; a new worker deploys exactly once', async () => {
      await deploysOnceAcrossWorkerKill({
        stack,
        hook,
        daemonFile: join(dir, 'daemon.yaml'),
        env: await workerEnvFor(stack, bitbucketEnv(SECRET, flavor)),
        workers,
        environment: 'production',
        world: bitbucketWorld(bitbucket, flavor, REPO, () => stack),
      });
      assert.deepEqual(bitbucket.state.violations, []);
    });
  });
