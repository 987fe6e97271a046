// Pausing a pull request's gate on Bitbucket (issue 28, item 4), Cloud and Data Center, end to end: the
// shipped trigger's commands (triggers/bitbucket-pr-gate.yaml: `/pause` and `/resume` comments bound to the
// gate) signed into the ingress, the real Temporal server and worker, the Bitbucket sandbox answering as each
// API, and a fake Anthropic API. What a Bitbucket user sees: one reply comment per command; someone without
// write permission cannot pause; every push that is not reviewed has a build status named as the gate,
// SUCCESSFUL (Bitbucket has no neutral) with a description saying why; `/resume` reviews the newest head.
import assert from 'node:assert/strict';
import { checkKey } from '../../src/forges/bitbucket/verbs.js';
import { gateWorkflowId } from '../../src/ingress/dispatch.js';
import {
  BITBUCKET_FLAVORS,
  bitbucketDaemon,
  bitbucketSuite,
  bitbucketTriggerYaml,
} from '../harness/bitbucket-stack.js';
import { addedFile, sha } from '../harness/synthetic-pr.js';
import { until } from '../harness/until.js';
import { FakeAnthropic, gateAnswer } from '../fakes/fake-anthropic.js';

const GATE = 'AFA Gate Check';
const reviewed = /^AFA Gate Check — \d+ findings?/;
const fake = new FakeAnthropic();
let anthropicUrl = '';

describe('Bitbucket: pausing a pull request gate (issue 28, item 4)', function () {
  this.timeout(180_000);
  before(async () => {
    anthropicUrl = await fake.start();
    fake.respondWith((body) => gateAnswer(body));
  });
  after(() => fake.stop());

  for (const flavor of BITBUCKET_FLAVORS)
    describe(`Bitbucket ${flavor.name}`, function () {
      // A workspace (Data Center: a project key) of this run: the shared dev server keeps workflow ids.
      const WS = `${flavor.dataCenter ? 'PAUSEDC' : 'pausebb'}${Date.now().toString(36).toUpperCase()}`;
      const REPO = `${WS}/app`;
      const { keys } = flavor;
      const { s, stack, send, bitbucket } = bitbucketSuite({
        flavor,
        secret: `bb-pause-${flavor.dataCenter ? 'dc' : 'cloud'}`,
        files: {
          'daemon.yaml': bitbucketDaemon(['triggers', 'gates']),
          'gates/g.yaml':
            'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: afa}\nspec:\n  title: AFA\n  model: anthropic:claude-test\n  reviewers: [security]\n  billing: {default_tier: enterprise}\n',
          'triggers/t.yaml': bitbucketTriggerYaml(
            'pr-gate',
            `config:\n  repositories: ["${WS}/*"]\ncommands:\n  ${keys.opened}: {gate: afa}\n  ${keys.pushed}: {gate: afa}\n  /pause: {gate: afa}\n  /resume: {gate: afa}`,
          ),
        },
        seed: (s) => {
          for (const u of ['dev', 'alice', 'mallory']) s.addUser({ nickname: u });
          // Bitbucket Cloud tells a person's repository permission to workspace admins only (docs/forges.md): the
          // bot administers the repository there, else nobody could pause. Data Center tells any licensed user.
          s.addRepository(REPO, {
            aofbot: flavor.dataCenter ? 'write' : 'admin',
            dev: 'write',
            alice: 'write',
            mallory: 'read',
          });
        },
        anthropicUrl: () => anthropicUrl,
      });

      /** Push `i` to pull request `id` (the first opens it): a new source commit with one changed function. */
      const push = async (id: number, i: number) => {
        const head = sha(`${REPO}#${id} push ${i}`);
        const { patch, content } = addedFile('src/a.ts', `export function f${i}(x: number) {\n  return x + ${i};\n}\n`);
        const changes = [{ path: 'src/a.ts', status: 'added' as const, patch, content }];
        if (i === 1) s.addPullRequest(REPO, { id, author: 'dev', sourceCommit: head, changes });
        else s.push(REPO, id, head, changes);
        const key = i === 1 ? keys.opened : keys.pushed;
        const res = await send(key, flavor.payloadAbout(s, key, { repo: REPO, id, actor: 'dev' }));
        assert.ok(res.status < 300, `${res.status} ${await res.text()}`);
        return head;
      };
      const comment = async (id: number, text: string, actor: string) => {
        const p = flavor.payloadAbout(s, keys.commented, { repo: REPO, id, actor, comment: text });
        const res = await send(keys.commented, p);
        assert.ok(res.status < 300, `${res.status} ${await res.text()}`);
      };
      const status = (head: string) => s.statuses.find((x) => x.commit === head && x.key === checkKey(GATE).key);
      const finalStatus = async (head: string) => {
        await until(
          `a final gate status on ${head.slice(0, 7)}`,
          () => ['SUCCESSFUL', 'FAILED'].includes(status(head)?.state ?? ''),
          { detail: () => JSON.stringify(s.statuses.map((x) => [x.commit.slice(0, 7), x.state, x.description])) },
        );
        return status(head)!;
      };
      /** The bot's comments that are not the gate's summary: its replies. */
      const replies = (id: number) =>
        s
          .commentsOf(REPO, id)
          .filter((c) => c.userUuid === s.mustUser('aofbot').uuid && !c.raw.includes('<!-- aof-gate-check'))
          .map((c) => c.raw);

      it('someone with read permission only cannot pause: the bot says why once, and the next push is reviewed', async () => {
        const h1 = await push(1, 1);
        assert.match((await finalStatus(h1)).description, reviewed);
        await comment(1, '/pause', 'mallory');
        await until('the refusal', () => replies(1).some((b) => b.includes('@mallory cannot `/pause`')));
        const asked = fake.requests.length;
        const h2 = await push(1, 2);
        assert.match((await finalStatus(h2)).description, reviewed);
        assert.ok(fake.requests.length > asked, 'the push after a refused /pause is reviewed by the model');
        assert.equal(replies(1).length, 1, 'one reply, and no pause');
      });

      it('/pause: the head and the next push say paused, with no model call; /resume reviews the newest head once', async () => {
        const h1 = await push(2, 1);
        await finalStatus(h1);
        await comment(2, '/pause', 'alice');
        await until('the head says paused', () => status(h1)?.description === `${GATE} — paused by @alice`, {
          detail: () =>
            JSON.stringify([
              s.statuses.map((x) => [x.commit, x.state, x.description]),
              replies(2),
              bitbucket.requests.slice(-15).map((r) => `${r.method} ${r.path} ${r.status}`),
            ]),
        });
        assert.equal(status(h1)!.state, 'SUCCESSFUL');
        await until('the acknowledgement', () => replies(2).some((b) => b.includes('gate paused by @alice')));
        assert.match(replies(2).at(-1)!, /pushes to this pull request are not reviewed until someone comments/);

        const asked = fake.requests.length;
        const h2 = await push(2, 2);
        const st = await finalStatus(h2);
        assert.equal(st.description, `${GATE} — paused by @alice`);
        assert.deepEqual(st.history, ['SUCCESSFUL'], 'never in progress: not reviewed');
        assert.equal(fake.requests.length, asked, 'no model call while paused');

        await comment(2, '/resume', 'alice');
        await until('the newest head is reviewed', () => reviewed.test(status(h2)?.description ?? ''));
        assert.ok(fake.requests.length > asked, 'the model reviews the newest head');
        assert.ok(replies(2).some((b) => b.includes('gate resumed by @alice: reviewing the newest head')));
        const gate = stack().client.workflow.getHandle(gateWorkflowId(REPO, 2, 'bitbucket'));
        await until('the gate is idle', async () => {
          const q = (await gate.query('gateState')) as { paused?: unknown; pending: boolean; reviewing?: string };
          return !q.paused && !q.pending && !q.reviewing;
        });
        assert.equal(status(h2)!.history.filter((x) => x === 'INPROGRESS').length, 1, 'reviewed once');
        assert.equal(replies(2).length, 2, 'one reply per command');
      });
    });
});
