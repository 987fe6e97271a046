// The AFA gate on a Bitbucket pull request, Cloud and Data Center, end to end: Bitbucket's
// `pullrequest:created` and `pullrequest:updated` (Data Center: `pr:opened` and `pr:from_ref_updated`; written
// from Atlassian's documented examples, src/forges/bitbucket/examples/README.md), signed as Bitbucket signs
// them, into the ingress, the real Temporal server and worker, and the Bitbucket sandbox answering as Bitbucket
// Cloud's 2.0 API or Data Center's REST API 1.0 (`api_url` ending in `/rest/api/1.0`; the same scenarios on
// each): a build status named as the gate (INPROGRESS then FAILED), the findings as a Code Insights report with
// annotations at their lines, one summary comment; a second push reviewed on its new source commit with the
// same comment edited in place; writes Bitbucket stored before answering 500 existing once.
import assert from 'node:assert/strict';
import { bitbucketExample } from '../../src/forges/bitbucket/examples/index.js';
import { checkKey } from '../../src/forges/bitbucket/verbs.js';
import {
  BITBUCKET_FLAVORS,
  bitbucketDaemonYaml,
  bitbucketSuite,
  bitbucketTriggerYaml,
  gateSettles as settles,
} from '../harness/bitbucket-stack.js';
import { until } from '../harness/until.js';

const created = bitbucketExample('pullrequest:created');
const opened = bitbucketExample('pr:opened');
const SOURCE = 'export function run(input: string) {\n  return eval(input);\n}\n';
const PATCH = '@@ -0,0 +1,3 @@\n+export function run(input: string) {\n+  return eval(input);\n+}\n';
const SOURCE2 = 'export function run(input: string) {\n  const code = input.trim();\n  return eval(code);\n}\n';
const PATCH2 =
  '@@ -0,0 +1,4 @@\n+export function run(input: string) {\n+  const code = input.trim();\n+  return eval(code);\n+}\n';
const GATE = 'AFA Gate Check';

/**
 * What differs by API: the repository and pull request of each example (Data Center's on a project of this
 * test's own: gates outlive a test on the shared dev server), its author, the two source commits (Cloud's
 * payloads abbreviate them to 12 characters, the repository has the full ones; Data Center's carry them
 * whole), where a build status is written, and an annotation's id as the API names it.
 */
const PER_API = {
  Cloud: {
    repo: created.repository.full_name as string, // myworkspace/backend
    id: created.pullrequest.id as number,
    author: created.pullrequest.author.nickname as string,
    head: (created.pullrequest.source.commit.hash as string).padEnd(40, '1'),
    head2: (bitbucketExample('pullrequest:updated').pullrequest.source.commit.hash as string).padEnd(40, '2'),
    statusWrite: (sha: string) => new RegExp(`^POST .*/commit/${sha.slice(0, 12)}/statuses/build$`),
    annotationId: (a: Record<string, unknown>) => a.external_id,
    secret: 'bb-gate-s3cret',
  },
  'Data Center': {
    repo: `DCGATE/${opened.pullRequest.toRef.repository.slug as string}`, // DCGATE/backend
    id: opened.pullRequest.id as number,
    author: opened.pullRequest.author.user.name as string,
    head: opened.pullRequest.fromRef.latestCommit as string,
    head2: bitbucketExample('pr:from_ref_updated').pullRequest.fromRef.latestCommit as string,
    statusWrite: (sha: string) => new RegExp(`^POST .*/commits/${sha}/builds$`),
    annotationId: (a: Record<string, unknown>) => a.externalId,
    secret: 'bb-dc-gate-s3cret',
  },
};

for (const flavor of BITBUCKET_FLAVORS)
  describe(`Bitbucket ${flavor.name}: the AFA gate on a pull request (issue 27)`, function () {
    const { repo: REPO, id: ID, author: AUTHOR, head: HEAD, head2: HEAD2, ...api } = PER_API[flavor.name];
    const { keys } = flavor;
    const { bitbucket, s, stack, send } = bitbucketSuite({
      flavor,
      secret: api.secret,
      files: {
        'daemon.yaml': bitbucketDaemonYaml,
        'gates/g.yaml': 'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: afa}\nspec:\n  title: AFA\n',
        'triggers/t.yaml': bitbucketTriggerYaml(
          'pr-gate',
          `config:\n  repositories: ["${REPO.split('/')[0]}/*"]\ncommands:\n  ${keys.opened}: {gate: afa}\n  ${keys.pushed}: {gate: afa}`,
        ),
      },
      seed: (s) => {
        s.addUser({ nickname: AUTHOR });
        s.addRepository(REPO, { aofbot: 'write', [AUTHOR]: 'write' });
        s.addPullRequest(REPO, {
          id: ID,
          author: AUTHOR,
          sourceCommit: HEAD,
          changes: [{ path: 'src/run.ts', status: 'added', patch: PATCH, content: SOURCE }],
        });
      },
    });

    /** The payload of `key` about pull request `id` as the sandbox holds it (its source commit...), by its author. */
    const payload = (key: string, id = ID) => flavor.payloadAbout(s, key, { repo: REPO, id, actor: AUTHOR });
    const bot = () => s.mustUser('aofbot');
    const summaries = (id: number) =>
      s.commentsOf(REPO, id).filter((c) => c.userUuid === bot().uuid && c.raw.includes('<!-- aof-gate-check'));
    const status = (sha: string) => s.statuses.find((x) => x.commit === sha && x.key === checkKey(GATE).key);
    const finalStatus = (sha: string) =>
      until(
        `the ${GATE} on ${sha.slice(0, 7)} is final`,
        () => ['SUCCESSFUL', 'FAILED'].includes(status(sha)?.state ?? ''),
        {
          detail: () => JSON.stringify(bitbucket.requests.map((r) => `${r.method} ${r.path} ${r.status}`).slice(-30)),
        },
      );
    const annotations = (sha: string) => [
      ...(s.reports.find((r) => r.commit === sha && r.id === checkKey(GATE).key)?.annotations.values() ?? []),
    ];
    const gateSettles = (id: number, signals: number) => settles(stack(), REPO, id, signals);

    it('a build status named as the gate, INPROGRESS then FAILED; the finding as an annotation at its line; one summary comment', async () => {
      const res = await send(keys.opened, payload(keys.opened));
      assert.ok(res.status < 300, `${res.status} ${await res.text()}`);
      await finalStatus(HEAD);
      await gateSettles(ID, 1);
      const st = status(HEAD)!;
      assert.deepEqual([st.name, st.history], [GATE, ['INPROGRESS', 'FAILED']]);
      const evalAt = annotations(HEAD).filter((a) => a.severity === 'HIGH');
      assert.deepEqual(
        evalAt.map((a) => [a.path, a.line]),
        [['src/run.ts', 2]],
      );
      assert.equal(summaries(ID).length, 1);
      assert.deepEqual(s.violations, [], `only parameters Bitbucket ${flavor.name} documents were sent`);
    });

    it(`a second push (${keys.pushed} with a new source commit): reviewed there, the same comment edited in place`, async () => {
      const before = summaries(ID);
      s.push(REPO, ID, HEAD2, [{ path: 'src/run.ts', status: 'added', patch: PATCH2, content: SOURCE2 }]);
      const res = await send(keys.pushed, payload(keys.pushed));
      assert.ok(res.status < 300, `${res.status} ${await res.text()}`);
      await finalStatus(HEAD2);
      await gateSettles(ID, 2);
      assert.deepEqual(status(HEAD2)!.history, ['INPROGRESS', 'FAILED']);
      assert.deepEqual(
        annotations(HEAD2)
          .filter((a) => a.severity === 'HIGH')
          .map((a) => [a.path, a.line]),
        [['src/run.ts', 3]],
      );
      const after = summaries(ID);
      assert.equal(after.length, 1, 'one summary comment, never a second');
      assert.equal(after[0]!.id, before[0]!.id);
      assert.ok(
        bitbucket.requests.some(
          (r) => r.method === 'PUT' && r.path.endsWith(`/comments/${before[0]!.id}`) && r.status === 200,
        ),
        'the comment was edited in place',
      );
    });

    it(`a comment, a status and annotations Bitbucket ${flavor.name} stored before answering 500 exist once`, async () => {
      const id = ID + 1;
      const head = 'c0ffee'.padEnd(40, '3');
      s.addPullRequest(REPO, {
        id,
        author: AUTHOR,
        sourceCommit: head,
        changes: [{ path: 'src/run.ts', status: 'added', patch: PATCH, content: SOURCE }],
      });
      const faults = bitbucket.afterWriteFaults;
      bitbucket.failAfterWrite(1, 'status500', new RegExp(`^POST .*${flavor.prPath(REPO, id)}/comments$`));
      bitbucket.failAfterWrite(1, 'status500', /^POST .*\/annotations$/);
      bitbucket.failAfterWrite(1, 'status500', api.statusWrite(head));
      const res = await send(keys.opened, payload(keys.opened, id));
      assert.ok(res.status < 300, `${res.status} ${await res.text()}`);
      await finalStatus(head);
      await gateSettles(id, 1);
      assert.equal(bitbucket.afterWriteFaults - faults, 3, 'each write was stored, then answered 500');
      assert.equal(summaries(id).length, 1);
      const ids = annotations(head).map(api.annotationId);
      assert.ok(ids.length >= 1);
      assert.ok(
        ids.every((x) => typeof x === 'string' && x.startsWith('aof-')),
        'each annotation has its id',
      );
      assert.equal(new Set(ids).size, ids.length, 'each finding once');
      assert.equal(s.statuses.filter((x) => x.commit === head).length, 1, 'one status, overwritten by key');
      assert.equal(status(head)!.state, 'FAILED');
    });
  });
