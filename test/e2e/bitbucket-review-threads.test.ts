// A gate with `report: [annotations, review]` on Bitbucket, Cloud and Data Center, end to end: its findings are
// inline comments on the pull request at their lines (Bitbucket has no suggestions: the replacement is shown as
// code), and across ten pushes each finding keeps its one comment (its code moved), a fixed finding's comment
// is resolved by the bot, and one a person resolved stays resolved and is not raised again. The summary
// comment says what is new, remaining, fixed. A comment Bitbucket stored before answering 500 exists once.
import assert from 'node:assert/strict';
import { checkKey } from '../../src/forges/bitbucket/verbs.js';
import {
  BITBUCKET_FLAVORS,
  bitbucketDaemonYaml,
  bitbucketSuite,
  bitbucketTriggerYaml,
  gateSettles,
} from '../harness/bitbucket-stack.js';
import { fixableFunction, sha } from '../harness/synthetic-pr.js';
import { until } from '../harness/until.js';

const GATE = 'AFA Gate Check';
const PERSON = 'reviewer';

/** The fixable function as an added file (its content ending in a newline, as the diff counts lines). */
const changesOf = (above: number, fixed = false) => {
  const content = `${fixableFunction(above, fixed)}\n`;
  const lines = content.split('\n').slice(0, -1);
  const patch = `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join('\n')}\n`;
  return [{ path: 'src/copy.ts', status: 'added' as const, patch, content }];
};

for (const flavor of BITBUCKET_FLAVORS)
  describe(`Bitbucket ${flavor.name}: gate findings as inline comments that follow them across pushes (report: review)`, function () {
    this.timeout(600_000);
    // A workspace (Data Center: a project key) of this run: the shared dev server keeps workflow ids.
    const WS = `${flavor.dataCenter ? 'THREADSDC' : 'threadsbb'}${Date.now().toString(36).toUpperCase()}`;
    const REPO = `${WS}/app`;
    const { keys } = flavor;
    const { bitbucket, s, stack, send } = bitbucketSuite({
      flavor,
      secret: `bb-threads-${flavor.dataCenter ? 'dc' : 'cloud'}`,
      files: {
        'daemon.yaml': bitbucketDaemonYaml,
        'gates/g.yaml':
          'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: afa}\nspec:\n  title: AFA\n  report: [annotations, review]\n',
        'triggers/t.yaml': bitbucketTriggerYaml(
          'pr-gate',
          `config:\n  repositories: ["${WS}/*"]\ncommands:\n  ${keys.opened}: {gate: afa}\n  ${keys.pushed}: {gate: afa}`,
        ),
      },
      seed: (s) => {
        s.addUser({ nickname: 'dev' });
        s.addUser({ nickname: PERSON });
        s.addRepository(REPO, { aofbot: 'write', dev: 'write', [PERSON]: 'write' });
      },
    });

    const bot = () => s.mustUser('aofbot').uuid;
    const threads = (id: number) =>
      s
        .commentsOf(REPO, id)
        .filter((c) => c.userUuid === bot() && c.parentId === undefined && c.raw.includes('<!-- aof:finding='));
    const threadAbout = (id: number, text: string) => threads(id).find((c) => c.raw.includes(text));
    const summary = (id: number) =>
      s.commentsOf(REPO, id).find((c) => c.userUuid === bot() && c.raw.includes('<!-- aof-gate-check'));
    const deliver = async (id: number, key: string) => {
      const res = await send(key, flavor.payloadAbout(s, key, { repo: REPO, id, actor: 'dev' }));
      assert.ok(res.status < 300, `${res.status} ${await res.text()}`);
    };
    /** Waits until the gate took `signals` requests and is idle: what it did is all there is. */
    async function settled(id: number, head: string, signals: number) {
      await until(`the gate status on ${head.slice(0, 7)} is final`, () =>
        s.statuses.some(
          (x) => x.commit === head && x.key === checkKey(GATE).key && ['SUCCESSFUL', 'FAILED'].includes(x.state),
        ),
      );
      await gateSettles(stack(), REPO, id, signals);
    }

    it('inline comments with the replacement as code; ten pushes: moved code keeps its comment, a fixed finding is resolved, a dismissed one is not raised again', async () => {
      const id = 5;
      const heads = Array.from({ length: 10 }, (_, k) => sha(`${REPO}#${id} push ${k}`));
      const fixedFrom = 8;
      const changes = (k: number) => changesOf(k, k >= fixedFrom);
      s.addPullRequest(REPO, { id, author: 'dev', sourceCommit: heads[0]!, changes: changes(0) });
      await deliver(id, keys.opened);
      await settled(id, heads[0]!, 1);
      const first = threads(id);
      assert.ok(first.length >= 3, first.map((c) => c.raw.split('\n')[0]).join(' | '));
      const copy = threadAbout(id, 'Deep copy through JSON')!;
      assert.deepEqual(copy.inline, { path: 'src/copy.ts', line: 2 });
      assert.ok(copy.raw.includes('Suggested code:\n\n```\n  const y = structuredClone(x);\n```'), copy.raw);
      assert.ok(!copy.raw.includes('```suggestion'), 'Bitbucket has no suggestion blocks');
      assert.match(summary(id)!.raw, new RegExp(`Review threads: ${first.length} new, 0 remaining, 0 fixed`));
      // The check keeps its Code Insights annotations beside the comments (report: [annotations, review]).
      assert.ok(s.reports.some((r) => r.commit === heads[0] && r.annotations.size >= first.length));

      // A person resolves the debug-output thread in Bitbucket.
      const debug = threadAbout(id, 'Debug output left in')!;
      Object.assign(debug, { resolvedBy: s.mustUser(PERSON).uuid, resolvedOn: s.now() });

      for (let k = 1; k < heads.length; k++) {
        s.push(REPO, id, heads[k]!, changes(k));
        await deliver(id, keys.pushed);
        await settled(id, heads[k]!, k + 1);
        if (k === fixedFrom - 1)
          assert.match(
            summary(id)!.raw,
            /Review threads: 0 new, 2 remaining, 0 fixed \(threads resolved\), 1 dismissed/,
          );
        if (k === fixedFrom) assert.match(summary(id)!.raw, /Review threads: 0 new, 1 remaining, 1 fixed/);
      }
      assert.equal(threads(id).length, first.length, 'a finding got a second comment');
      const fixed = threadAbout(id, 'Deep copy through JSON')!;
      assert.equal(fixed.resolvedBy, bot(), 'the fixed finding is resolved, by the bot');
      assert.equal(threadAbout(id, 'Debug output left in')!.resolvedBy, s.mustUser(PERSON).uuid, 'stays resolved');
      assert.equal(threadAbout(id, 'without a doc comment')!.resolvedBy, undefined);
      assert.deepEqual(s.violations, []);
    });

    it('a comment Bitbucket stored before answering 500 exists once', async () => {
      const id = 6;
      const head = sha(`${REPO}#${id}`);
      s.addPullRequest(REPO, { id, author: 'dev', sourceCommit: head, changes: changesOf(0) });
      const faults = bitbucket.afterWriteFaults;
      bitbucket.failAfterWrite(1, 'status500', new RegExp(`^POST .*${flavor.prPath(REPO, id)}/comments$`));
      await deliver(id, keys.opened);
      await settled(id, head, 1);
      assert.equal(bitbucket.afterWriteFaults - faults, 1, 'the comment was stored, then answered 500');
      const markers = threads(id).map((c) => /<!-- aof:finding=[0-9a-f]+ -->/.exec(c.raw)![0]);
      assert.ok(markers.length >= 3);
      assert.equal(new Set(markers).size, markers.length, 'each finding once');
      assert.ok(
        threads(id).every((c) => c.inline?.path === 'src/copy.ts'),
        'every one inline',
      );
      assert.match(summary(id)!.raw, new RegExp(`Review threads: ${markers.length} new, 0 remaining`));
    });
  });
