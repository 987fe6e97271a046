// The gate's repository configuration on Bitbucket, Cloud and Data Center (issue 28 item 3), the same scenarios
// on each: `.aof.yaml` read at the pull request's base (Cloud: the destination commit; Data Center: the target
// branch's commit, `toRef.latestCommit`): a file there that makes the gate advisory applies; a pull request
// adding one that turns the gate off is still reviewed, and its summary comment says what the file would
// change; a title keyword, or a draft with `skip.drafts`, skips the review with the build status saying why and
// no annotation; an invalid file (or one over 1 MB) reported at file:line while the review runs with the
// server's settings.
import assert from 'node:assert/strict';
import { checkKey } from '../../src/forges/bitbucket/verbs.js';
import {
  BITBUCKET_FLAVORS,
  bitbucketDaemonYaml,
  bitbucketSuite,
  bitbucketTriggerYaml,
} from '../harness/bitbucket-stack.js';
import { tooLarge } from '../../src/gate/repo-config.js';
import { until } from '../harness/until.js';

const AUTHOR = 'dev';
const BASE = 'ba5e'.padEnd(40, '7');
const SOURCE = 'export function run(input: string) {\n  return eval(input);\n}\n';
const GATE = 'AFA Gate Check';

for (const flavor of BITBUCKET_FLAVORS)
  describe(`Bitbucket ${flavor.name}: the gate configuration in the repository (issue 28 item 3)`, function () {
    /** A workspace (Data Center: project) of this run: the shared dev server keeps workflow ids across runs. */
    const WS = `${flavor.dataCenter ? 'CFGDC' : 'cfgb-'}${Date.now().toString(36)}`;
    const REPO = `${WS}/app`;
    const { s, send } = bitbucketSuite({
      flavor,
      secret: `bb-cfg-${flavor.dataCenter ? 'dc-' : ''}s3cret`,
      files: {
        'daemon.yaml': bitbucketDaemonYaml,
        'gates/g.yaml': 'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: afa}\nspec:\n  title: AFA\n',
        'triggers/t.yaml': bitbucketTriggerYaml(
          'pr-gate',
          `config:\n  repositories: ["${WS}/*"]\ncommands:\n  ${flavor.keys.opened}: {gate: afa}`,
        ),
      },
      seed: (s) => {
        s.addUser({ nickname: AUTHOR });
        s.addRepository(REPO, { aofbot: 'write', [AUTHOR]: 'write' });
      },
    });

    const status = (sha: string) => s.statuses.find((x) => x.commit === sha && x.key === checkKey(GATE).key);
    const summary = (id: number) => s.commentsOf(REPO, id).find((c) => c.raw.includes('<!-- aof-gate-check'));
    /** The repository's `.aof.yaml` at the base commit. */
    const config = (text: string) => s.repositories.get(REPO)!.files.set(`${BASE}:.aof.yaml`, text);

    /** Opens pull request `id` on the base commit and waits for its gate status to be final. */
    async function open(id: number, changes: { path: string; content: string }[], title = 'A change', draft = false) {
      const head = `${id}`.padStart(4, 'c').padEnd(40, 'e');
      s.addPullRequest(REPO, {
        id,
        author: AUTHOR,
        title,
        draft,
        sourceCommit: head,
        destCommit: BASE,
        changes: changes.map((c) => ({
          path: c.path,
          status: 'added' as const,
          content: c.content,
          patch: `@@ -0,0 +1,${c.content.split('\n').length} @@\n${c.content
            .split('\n')
            .map((l) => `+${l}`)
            .join('\n')}`,
        })),
      });
      const res = await send(
        flavor.keys.opened,
        flavor.payloadAbout(s, flavor.keys.opened, { repo: REPO, id, actor: AUTHOR }),
      );
      assert.ok(res.status < 300, `${res.status} ${await res.text()}`);
      await until(`the ${GATE} of #${id} is final`, () => ['SUCCESSFUL', 'FAILED'].includes(status(head)?.state ?? ''));
      return { head, status: status(head)! };
    }

    it('reads .aof.yaml at the base commit: a pull request adding one that turns the gate off is reviewed, and told what it would change', async () => {
      const { status: st } = await open(1, [
        { path: 'src/run.ts', content: SOURCE },
        { path: '.aof.yaml', content: 'gate:\n  enabled: false\n' },
      ]);
      assert.equal(st.state, 'FAILED', 'reviewed: the eval is a critical finding');
      await until('the summary comment', () => summary(1) !== undefined);
      assert.match(summary(1)!.raw, /\*\*This pull request changes `\.aof\.yaml`\*\*: it applies once merged/);
      assert.match(summary(1)!.raw, /would not be reviewed: the gate is turned off \(gate\.enabled: false\)/);
    });

    it('a title keyword skips the review: the build status says why, and nothing is annotated', async () => {
      config("gate:\n  skip: { title_keywords: ['WIP'] }\n");
      try {
        const { head, status: st } = await open(2, [{ path: 'src/run.ts', content: SOURCE }], 'WIP: not yet');
        assert.equal(st.state, 'SUCCESSFUL');
        assert.match(st.description ?? '', /skipped: its title contains "WIP" \(gate\.skip\.title_keywords\)/);
        const report = s.reports.find((r) => r.commit === head && r.id === checkKey(GATE).key);
        assert.equal(report?.annotations.size ?? 0, 0, 'no finding annotated');
      } finally {
        s.repositories.get(REPO)!.files.delete(`${BASE}:.aof.yaml`);
      }
    });

    it('a .aof.yaml at the base making the gate advisory applies: the critical finding leaves the status passed', async () => {
      config('gate:\n  fail_on: never\n');
      try {
        const { head, status: st } = await open(5, [{ path: 'src/run.ts', content: SOURCE }]);
        assert.equal(st.state, 'SUCCESSFUL', 'advisory: neutral, not failure');
        const report = s.reports.find((r) => r.commit === head && r.id === checkKey(GATE).key);
        assert.ok((report?.annotations.size ?? 0) > 0, 'reviewed: the eval is annotated');
        const reads = s.requests.filter((r) => r.method === 'GET' && /\.aof\.yaml$/.test(r.path));
        /** Reads at a commit (Cloud names it abbreviated to 12 characters, as Bitbucket shows it). */
        const at = (sha: string) => reads.filter((r) => `${r.path}?${r.query}`.includes(sha.slice(0, 12)));
        assert.ok(at(BASE).length > 0, 'read at the base');
        assert.equal(at(head).length, 0, 'never at the head');
        assert.deepEqual(s.violations, [], `only parameters Bitbucket ${flavor.name} documents were sent`);
      } finally {
        s.repositories.get(REPO)!.files.delete(`${BASE}:.aof.yaml`);
      }
    });

    it('a draft is skipped when the file says so (gate.skip.drafts): the build status says why', async () => {
      config('gate:\n  skip: { drafts: true }\n');
      try {
        const { head, status: st } = await open(6, [{ path: 'src/run.ts', content: SOURCE }], 'A change', true);
        assert.equal(st.state, 'SUCCESSFUL');
        assert.match(st.description ?? '', /skipped: it is a draft \(gate\.skip\.drafts\)/);
        const report = s.reports.find((r) => r.commit === head && r.id === checkKey(GATE).key);
        assert.equal(report?.annotations.size ?? 0, 0, 'no finding annotated');
      } finally {
        s.repositories.get(REPO)!.files.delete(`${BASE}:.aof.yaml`);
      }
    });

    it('an invalid .aof.yaml: the summary says file:line, and the review runs with the server settings', async () => {
      config('gate:\n  fail_on: sometimes\n');
      try {
        const { status: st } = await open(3, [{ path: 'src/run.ts', content: SOURCE }]);
        assert.equal(st.state, 'FAILED', 'reviewed with the server settings');
        await until('the summary comment', () => summary(3) !== undefined);
        assert.match(
          summary(3)!.raw,
          /Ignored, the server's settings apply: \.aof\.yaml:2:12: gate\.fail_on: expected one of "critical"/,
        );
      } finally {
        s.repositories.get(REPO)!.files.delete(`${BASE}:.aof.yaml`);
      }
    });

    it('a .aof.yaml over 1 MB: the summary says it is too large, and the review runs with the server settings', async () => {
      const big = `gate:\n  fail_on: never\n${'#'.repeat(1024 * 1024)}\n`;
      config(big);
      try {
        const { status: st } = await open(4, [{ path: 'src/run.ts', content: SOURCE }]);
        assert.equal(st.state, 'FAILED', 'reviewed with the server settings (the file would make it advisory)');
        await until('the summary comment', () => summary(4) !== undefined);
        assert.ok(
          summary(4)!.raw.includes(
            `Ignored, the server's settings apply: ${tooLarge('.aof.yaml', Buffer.byteLength(big))}`,
          ),
          summary(4)!.raw,
        );
      } finally {
        s.repositories.get(REPO)!.files.delete(`${BASE}:.aof.yaml`);
      }
    });
  });
