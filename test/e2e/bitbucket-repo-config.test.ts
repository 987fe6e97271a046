// The gate's repository configuration on Bitbucket Cloud (issue 28 item 3): `.aof.yaml` read at the pull
// request's destination commit (a pull request adding one that turns the gate off is still reviewed, and its
// summary comment says what the file would change), a title keyword skipping the review with the build status
// saying why and no annotation, and an invalid file reported at file:line while the review runs with the
// server's settings. Data Center reads no repository configuration (docs/gate.md; bitbucket-gate.test.ts
// reviews there with the server's settings).
import assert from 'node:assert/strict';
import { checkKey } from '../../src/forges/bitbucket/verbs.js';
import {
  BITBUCKET_FLAVORS,
  bitbucketDaemonYaml,
  bitbucketSuite,
  bitbucketTriggerYaml,
} from '../harness/bitbucket-stack.js';
import { until } from '../harness/until.js';

/** A workspace of this run: the shared dev server keeps workflow ids across test runs. */
const WS = `cfgb-${Date.now().toString(36)}`;
const REPO = `${WS}/app`;
const AUTHOR = 'dev';
const BASE = 'ba5e'.padEnd(40, '7');
const SOURCE = 'export function run(input: string) {\n  return eval(input);\n}\n';
const GATE = 'AFA Gate Check';
const cloud = BITBUCKET_FLAVORS.find((f) => f.name === 'Cloud')!;

describe('Bitbucket Cloud: the gate configuration in the repository (issue 28 item 3)', function () {
  const { s, send } = bitbucketSuite({
    flavor: cloud,
    secret: 'bb-cfg-s3cret',
    files: {
      'daemon.yaml': bitbucketDaemonYaml,
      'gates/g.yaml': 'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: afa}\nspec:\n  title: AFA\n',
      'triggers/t.yaml': bitbucketTriggerYaml(
        'pr-gate',
        `config:\n  repositories: ["${WS}/*"]\ncommands:\n  ${cloud.keys.opened}: {gate: afa}`,
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
  async function open(id: number, changes: { path: string; content: string }[], title = 'A change') {
    const head = `${id}`.padStart(4, 'c').padEnd(40, 'e');
    s.addPullRequest(REPO, {
      id,
      author: AUTHOR,
      title,
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
      cloud.keys.opened,
      cloud.payloadAbout(s, cloud.keys.opened, { repo: REPO, id, actor: AUTHOR }),
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
});
