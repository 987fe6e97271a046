// The AFA gate on a Bitbucket Data Center pull request, end to end: Data Center's `pr:opened` and
// `pr:from_ref_updated` (written from Atlassian's documented examples, src/forges/bitbucket/examples/README.md;
// on a project of this test's own), signed as Bitbucket signs them, into the ingress, the real Temporal server
// and worker, and the Bitbucket sandbox answering as Data Center's REST API 1.0 (`api_url` ending in
// `/rest/api/1.0`): a build status named as the gate (INPROGRESS then FAILED), the finding as a Code Insights
// annotation at its line, one summary comment; a second push reviewed on its new head with the same comment
// edited in place; writes Data Center stored before answering 500 existing once.
import assert from 'node:assert/strict';
import { bitbucketExample } from '../../src/forges/bitbucket/examples/index.js';
import { checkKey } from '../../src/forges/bitbucket/verbs.js';
import { gateWorkflowId } from '../../src/ingress/dispatch.js';
import { BitbucketSandbox } from '../../src/sandbox/bitbucket/index.js';
import {
  BITBUCKET_DC_BOT,
  bitbucketDaemonYaml,
  bitbucketTriggerYaml,
  sendBitbucket,
  startBitbucketStack,
} from '../harness/bitbucket-stack.js';
import { configDir } from '../harness/config-dir.js';
import type { Stack } from '../harness/stack.js';
import { until } from '../harness/until.js';

/** A project of this test's own: gates outlive a test on the shared dev server. */
const PROJECT = 'DCGATE';
const opened = bitbucketExample('pr:opened');
const SLUG = opened.pullRequest.toRef.repository.slug as string; // backend
const REPO = `${PROJECT}/${SLUG}`;
const ID = opened.pullRequest.id as number;
const AUTHOR = opened.pullRequest.author.user.name as string;
/** Data Center's payloads carry full commit hashes. */
const HEAD = opened.pullRequest.fromRef.latestCommit as string;
const HEAD2 = bitbucketExample('pr:from_ref_updated').pullRequest.fromRef.latestCommit as string;
const SOURCE = 'export function run(input: string) {\n  return eval(input);\n}\n';
const PATCH = '@@ -0,0 +1,3 @@\n+export function run(input: string) {\n+  return eval(input);\n+}\n';
const SOURCE2 = 'export function run(input: string) {\n  const code = input.trim();\n  return eval(code);\n}\n';
const PATCH2 =
  '@@ -0,0 +1,4 @@\n+export function run(input: string) {\n+  const code = input.trim();\n+  return eval(code);\n+}\n';
const GATE = 'AFA Gate Check';
const SECRET = 'bb-dc-gate-s3cret';

/** The example payload of `key`, in this test's project, about pull request `id` at source commit `head`. */
function payload(key: string, o: { id?: number; head?: string } = {}) {
  const p = bitbucketExample(key);
  for (const ref of [p.pullRequest.fromRef, p.pullRequest.toRef]) {
    ref.repository.project.key = PROJECT;
    ref.repository.project.links.self[0].href = `https://bitbucket.example.com/projects/${PROJECT}`;
  }
  p.pullRequest.links.self[0].href = `https://bitbucket.example.com/projects/${PROJECT}/repos/${SLUG}/pull-requests/${o.id ?? ID}`;
  if (o.id !== undefined) p.pullRequest.id = o.id;
  if (o.head) p.pullRequest.fromRef.latestCommit = o.head;
  return p;
}

describe('Bitbucket Data Center: the AFA gate on a pull request (issue 27)', function () {
  const bitbucket = new BitbucketSandbox();
  const s = bitbucket.state;
  let stack: Stack;
  const dir = configDir({
    'daemon.yaml': bitbucketDaemonYaml,
    'gates/g.yaml': 'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: afa}\nspec:\n  title: AFA\n',
    'triggers/t.yaml': bitbucketTriggerYaml(
      'pr-gate',
      `config:\n  repositories: ["${PROJECT}/*"]\ncommands:\n  pr:opened: {gate: afa}\n  pr:from_ref_updated: {gate: afa}`,
    ),
  });
  before(async () => {
    await bitbucket.start();
    s.addUser(BITBUCKET_DC_BOT);
    s.addUser({ nickname: AUTHOR });
    s.addRepository(REPO, { aofbot: 'write', [AUTHOR]: 'write' });
    s.addPullRequest(REPO, {
      id: ID,
      author: AUTHOR,
      sourceCommit: HEAD,
      changes: [{ path: 'src/run.ts', status: 'added', patch: PATCH, content: SOURCE }],
    });
    stack = await startBitbucketStack(bitbucket, dir, SECRET, { dataCenter: true });
  });
  after(async () => {
    await stack?.stop();
    await bitbucket.stop();
  });

  const send = (key: string, body: unknown) => sendBitbucket(stack, SECRET, key, body, { dataCenter: true });
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
  /** Waits until the gate took `signals` review requests and waits for the next, so what it did is all there is. */
  async function gateSettles(id: number, signals: number) {
    const handle = stack.client.workflow.getHandle(gateWorkflowId(REPO, id, 'bitbucket'));
    await until(`the gate of ${REPO}#${id} took ${signals} request(s) and is idle`, async () => {
      const events = (await handle.fetchHistory()).events ?? [];
      const received = events.filter((e) => e.workflowExecutionSignaledEventAttributes).length;
      return received >= signals && events.at(-1)?.timerStartedEventAttributes != null;
    });
  }

  it('a build status named as the gate, INPROGRESS then FAILED; the finding as an annotation at its line; one summary comment', async () => {
    const res = await send('pr:opened', payload('pr:opened'));
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
    assert.deepEqual(s.violations, [], 'only parameters Bitbucket Data Center documents were sent');
  });

  it('a second push (pr:from_ref_updated): reviewed on the new head, the same comment edited in place', async () => {
    const before = summaries(ID);
    s.push(REPO, ID, HEAD2, [{ path: 'src/run.ts', status: 'added', patch: PATCH2, content: SOURCE2 }]);
    const res = await send('pr:from_ref_updated', payload('pr:from_ref_updated', { id: ID, head: HEAD2 }));
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

  it('a comment, a status and annotations Data Center stored before answering 500 exist once', async () => {
    const id = ID + 1;
    const head = 'c0ffee'.padEnd(40, '3');
    s.addPullRequest(REPO, {
      id,
      author: AUTHOR,
      sourceCommit: head,
      changes: [{ path: 'src/run.ts', status: 'added', patch: PATCH, content: SOURCE }],
    });
    const faults = bitbucket.afterWriteFaults;
    bitbucket.failAfterWrite(1, 'status500', new RegExp(`^POST .*/pull-requests/${id}/comments$`));
    bitbucket.failAfterWrite(1, 'status500', /^POST .*\/annotations$/);
    bitbucket.failAfterWrite(1, 'status500', new RegExp(`^POST .*/commits/${head}/builds$`));
    const res = await send('pr:opened', payload('pr:opened', { id, head }));
    assert.ok(res.status < 300, `${res.status} ${await res.text()}`);
    await finalStatus(head);
    await gateSettles(id, 1);
    assert.equal(bitbucket.afterWriteFaults - faults, 3, 'each write was stored, then answered 500');
    assert.equal(summaries(id).length, 1);
    const ids = annotations(head).map((a) => a.externalId);
    assert.ok(ids.length >= 1);
    assert.ok(
      ids.every((x) => typeof x === 'string' && x.startsWith('aof-')),
      'each annotation has its externalId',
    );
    assert.equal(new Set(ids).size, ids.length, 'each finding once');
    assert.equal(s.statuses.filter((x) => x.commit === head).length, 1, 'one status, overwritten by key');
    assert.equal(status(head)!.state, 'FAILED');
  });
});
