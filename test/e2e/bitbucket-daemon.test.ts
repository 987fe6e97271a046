// The Bitbucket daemon around the adapter (issue 27), end to end: the ingress learns the bot's account from
// `GET /2.0/user` with its credentials (no bot_name configured), so a comment by the bot itself starts
// nothing; the AFA gate's quotas count per Bitbucket workspace (the tenant), two workspaces apart, and a
// GitHub organization of the same name is another account. Payloads are Bitbucket's documented examples
// (src/forges/bitbucket/examples/README.md) moved to this suite's workspaces, signed as Bitbucket signs them.
import assert from 'node:assert/strict';
import { bitbucketExample } from '../../src/forges/bitbucket/examples/index.js';
import { checkKey } from '../../src/forges/bitbucket/verbs.js';
import {
  bitbucketDaemonYaml,
  bitbucketPayload,
  bitbucketSuite,
  bitbucketTriggerYaml,
} from '../harness/bitbucket-stack.js';
import { triggerYaml } from '../harness/config-dir.js';
import { addedFile, pullRequest, sha } from '../harness/synthetic-pr.js';
import { until } from '../harness/until.js';

const SECRET = 'bb-daemon-s3cret';
const SOURCE = 'export function run(input: string) {\n  return eval(input);\n}\n';
const PATCH = '@@ -0,0 +1,3 @@\n+export function run(input: string) {\n+  return eval(input);\n+}\n';
const run = Date.now().toString(36);
/** This suite's workspaces: the bot's own comments, and two quota accounts. */
const WS = `bb-self-${run}`;
const QA = `bbqa-${run}`;
const QB = `bbqb-${run}`;
const QUOTA_GATE = 'Q Gate Check';

/** Bitbucket's example of `key`, in repository `repo`, about pull request `id` at `head`. */
const payload = (key: string, repo: string, o: { id?: number; head?: string } = {}) =>
  bitbucketPayload(key, { repo, ...o });

describe('Bitbucket: the daemon around the adapter (issue 27)', function () {
  const created = bitbucketExample('pullrequest:created');
  const author = created.pullrequest.author.nickname as string;
  const suite = bitbucketSuite({
    secret: SECRET,
    files: {
      'daemon.yaml': bitbucketDaemonYaml,
      'gates/g.yaml':
        'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: afa}\nspec:\n  title: AFA\n---\n' +
        // One analysis a month per account: the second of an account is refused.
        'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: q}\nspec:\n  title: Q\n' +
        '  billing: {default_tier: community, limits: {community: 1}}\n',
      'triggers/self.yaml': bitbucketTriggerYaml(
        'self',
        `config:\n  repositories: ["${WS}/*"]\ncommands:\n  /review: {gate: afa}`,
      ),
      'triggers/q.yaml': bitbucketTriggerYaml(
        'quota',
        `config:\n  repositories: ["${QA}/*", "${QB}/*"]\ncommands:\n  pullrequest:created: {gate: q}`,
      ),
      'triggers/gh.yaml': triggerYaml(
        'pr-quota',
        `config:\n  repositories: ["${QA}/*"]\ncommands:\n  pull_request.opened: {gate: q}`,
      ),
    },
    seed: (s) => {
      s.addUser({ nickname: author });
      s.addUser({ nickname: bitbucketExample('pullrequest:comment_created').actor.nickname });
    },
  });
  const { bitbucket, s, deliver: send } = suite;

  it("the ingress learnt the bot's account from GET /2.0/user: its own comment starts nothing (no bot_name)", async () => {
    assert.equal(suite.stack().resources.daemon.spec.platforms.bitbucket!.bot_name, undefined);
    assert.ok(
      bitbucket.requests.some((r) => r.method === 'GET' && r.path === '/2.0/user' && r.nickname === 'aofbot'),
      'the ingress asked Bitbucket who its credentials are',
    );
    const bot = s.mustUser('aofbot');
    const own = payload('pullrequest:comment_created', `${WS}/app`);
    const account = { ...own.actor, nickname: bot.nickname, uuid: bot.uuid, display_name: bot.displayName };
    own.actor = account;
    own.comment.user = account;
    const r = await send('pullrequest:comment_created', own);
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.deepEqual(r.body, { status: 'unhandled', reason: 'sent by the bot itself' });
    // The same comment by a person routes (/review: the gate).
    const person = await send('pullrequest:comment_created', payload('pullrequest:comment_created', `${WS}/app`));
    assert.equal(person.status, 201, JSON.stringify(person.body));
  });

  it('quotas count per Bitbucket workspace: two workspaces apart, and a GitHub organization of the same name is another account', async () => {
    let n = 0;
    const reviewed = async (repo: string, id: number) => {
      const head = sha(`${repo}#${id}`);
      if (!s.repositories.has(repo)) s.addRepository(repo, { aofbot: 'write', [author]: 'write' });
      s.addPullRequest(repo, {
        id,
        author,
        sourceCommit: head,
        changes: [{ path: 'src/run.ts', status: 'added', patch: PATCH, content: SOURCE }],
      });
      const res = await send('pullrequest:created', payload('pullrequest:created', repo, { id, head }));
      assert.equal(res.status, 201, JSON.stringify(res.body));
      n++;
      await until(
        `the ${QUOTA_GATE} on ${repo}#${id} is final`,
        () =>
          s.statuses.some((x) => x.commit === head && x.key === checkKey(QUOTA_GATE).key && x.state !== 'INPROGRESS'),
        { detail: () => JSON.stringify(bitbucket.requests.map((r) => `${r.method} ${r.path} ${r.status}`).slice(-20)) },
      );
      // The status and the summary comment are written side by side: wait for the comment too.
      const bot = s.mustUser('aofbot').uuid;
      const summary = () =>
        s.commentsOf(repo, id).find((c) => c.userUuid === bot && c.raw.includes('<!-- aof-gate-check'));
      await until(`the summary comment on ${repo}#${id}`, () => summary() !== undefined);
      return !summary()!.raw.includes('quota reached');
    };
    assert.equal(await reviewed(`${QA}/app`, 1), true, 'the workspace’s first analysis');
    assert.equal(await reviewed(`${QA}/app`, 2), false, 'its second is over the limit of 1');
    assert.equal(await reviewed(`${QB}/app`, 1), true, 'another workspace counts apart');
    assert.equal(n, 3);
    // A GitHub organization named as the Bitbucket workspace, whose quota is used up: its own account.
    const head = sha(`github:${QA}/app#1`);
    const pr = suite.stack().withPull(pullRequest(`${QA}/app`, 1, head), [addedFile('src/run.ts', SOURCE)]);
    const sent = await suite.stack().send('pull_request', pr);
    assert.ok(sent.status < 300, JSON.stringify(sent.body));
    await until('the GitHub gate commented', () =>
      suite.stack().sandbox.comments.some((c) => c.body.includes(QUOTA_GATE) && c.issueNumber === 1),
    );
    const comment = suite.stack().sandbox.comments.find((c) => c.body.includes(QUOTA_GATE))!;
    assert.ok(!comment.body.includes('quota reached'), comment.body);
  });
});
