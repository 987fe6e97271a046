// The AFA gate on a Bitbucket Cloud pull request, end to end: Bitbucket's `pullrequest:created` and
// `pullrequest:updated` (written from Atlassian's documented examples, src/forges/bitbucket/examples/README.md),
// signed as Bitbucket signs them, into the ingress, the real Temporal server and worker, and the Bitbucket
// sandbox answering as Bitbucket Cloud's 2.0 API: a build status named as the gate (INPROGRESS then FAILED),
// the findings as a Code Insights report with annotations at their lines, one summary comment; a second push
// reviewed on its new source commit with the same comment edited in place; writes Bitbucket stored before
// answering 500 existing once.
import assert from 'node:assert/strict';
import { bitbucketExample } from '../../src/forges/bitbucket/examples/index.js';
import { checkKey } from '../../src/forges/bitbucket/verbs.js';
import { gateWorkflowId } from '../../src/ingress/dispatch.js';
import { BitbucketSandbox } from '../../src/sandbox/bitbucket/index.js';
import {
  BITBUCKET_BOT,
  bitbucketDaemonYaml,
  bitbucketPayload,
  bitbucketTriggerYaml,
  sendBitbucket,
  startBitbucketStack,
} from '../harness/bitbucket-stack.js';
import { configDir } from '../harness/config-dir.js';
import type { Stack } from '../harness/stack.js';
import { until } from '../harness/until.js';

const created = bitbucketExample('pullrequest:created');
const REPO = created.repository.full_name as string; // myworkspace/backend
const ID = created.pullrequest.id as number;
/** Bitbucket's payloads abbreviate commit hashes to 12 characters; the repository has the full ones. */
const HEAD = (created.pullrequest.source.commit.hash as string).padEnd(40, '1');
const HEAD2 = (bitbucketExample('pullrequest:updated').pullrequest.source.commit.hash as string).padEnd(40, '2');
const SOURCE = 'export function run(input: string) {\n  return eval(input);\n}\n';
const PATCH = '@@ -0,0 +1,3 @@\n+export function run(input: string) {\n+  return eval(input);\n+}\n';
const SOURCE2 = 'export function run(input: string) {\n  const code = input.trim();\n  return eval(code);\n}\n';
const PATCH2 =
  '@@ -0,0 +1,4 @@\n+export function run(input: string) {\n+  const code = input.trim();\n+  return eval(code);\n+}\n';
const GATE = 'AFA Gate Check';
const SECRET = 'bb-gate-s3cret';

const payload = bitbucketPayload;

describe('Bitbucket: the AFA gate on a pull request (issue 27)', function () {
  const bitbucket = new BitbucketSandbox();
  const s = bitbucket.state;
  let stack: Stack;
  const dir = configDir({
    'daemon.yaml': bitbucketDaemonYaml,
    'gates/g.yaml': 'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: afa}\nspec:\n  title: AFA\n',
    'triggers/t.yaml': bitbucketTriggerYaml(
      'pr-gate',
      'config:\n  repositories: ["myworkspace/*"]\ncommands:\n  pullrequest:created: {gate: afa}\n  pullrequest:updated: {gate: afa}',
    ),
  });
  before(async () => {
    await bitbucket.start();
    s.addUser(BITBUCKET_BOT);
    s.addUser({ nickname: created.pullrequest.author.nickname });
    s.addRepository(REPO, { aofbot: 'write', [created.pullrequest.author.nickname]: 'write' });
    s.addPullRequest(REPO, {
      id: ID,
      author: created.pullrequest.author.nickname,
      sourceCommit: HEAD,
      changes: [{ path: 'src/run.ts', status: 'added', patch: PATCH, content: SOURCE }],
    });
    stack = await startBitbucketStack(bitbucket, dir, SECRET);
  });
  after(async () => {
    await stack?.stop();
    await bitbucket.stop();
  });

  const send = (key: string, body: unknown) => sendBitbucket(stack, SECRET, key, body);
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
    const res = await send('pullrequest:created', created);
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
    assert.deepEqual(s.violations, [], 'only parameters Bitbucket documents were sent');
  });

  it('a second push (pullrequest:updated with a new source commit): reviewed there, the same comment edited in place', async () => {
    const before = summaries(ID);
    s.push(REPO, ID, HEAD2, [{ path: 'src/run.ts', status: 'added', patch: PATCH2, content: SOURCE2 }]);
    const res = await send('pullrequest:updated', payload('pullrequest:updated', { id: ID, head: HEAD2 }));
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

  it('a comment, a status and annotations Bitbucket stored before answering 500 exist once', async () => {
    const id = ID + 1;
    const head = 'c0ffee'.padEnd(40, '3');
    s.addPullRequest(REPO, {
      id,
      author: created.pullrequest.author.nickname,
      sourceCommit: head,
      changes: [{ path: 'src/run.ts', status: 'added', patch: PATCH, content: SOURCE }],
    });
    const faults = bitbucket.afterWriteFaults;
    bitbucket.failAfterWrite(1, 'status500', new RegExp(`^POST .*/pullrequests/${id}/comments$`));
    bitbucket.failAfterWrite(1, 'status500', /\/annotations$/);
    bitbucket.failAfterWrite(1, 'status500', new RegExp(`^POST .*/commit/${head.slice(0, 12)}/statuses/build$`));
    const res = await send('pullrequest:created', payload('pullrequest:created', { id, head }));
    assert.ok(res.status < 300, `${res.status} ${await res.text()}`);
    await finalStatus(head);
    await gateSettles(id, 1);
    assert.equal(bitbucket.afterWriteFaults - faults, 3, 'each write was stored, then answered 500');
    assert.equal(summaries(id).length, 1);
    const ids = annotations(head).map((a) => a.external_id);
    assert.ok(ids.length >= 1);
    assert.equal(new Set(ids).size, ids.length, 'each finding once');
    assert.equal(s.statuses.filter((x) => x.commit === head).length, 1, 'one status, overwritten by key');
    assert.equal(status(head)!.state, 'FAILED');
  });
});
