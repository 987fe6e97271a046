// The gate on a GitHub merge queue, end to end: real merge_group payloads (@octokit/webhooks-examples)
// into the ingress, a real Temporal server and worker, the GitHub sandbox (its compare API lists the
// group's changed files) and a fake Anthropic API recording every reviewer call. Three pull requests are
// reviewed by the gate; a group of all three gets its check on the group's head commit with no function
// reviewed again; a group with one more function reviews only that one; `destroyed` stops a group's review
// and its check concludes as cancelled. Every wait is for an effect (a check run completed, a request seen).
import assert from 'node:assert/strict';
import { FakeAnthropic, gateAnswer, gateIds, type FakeReply } from '../fakes/fake-anthropic.js';
import { example, retarget } from '../../src/fixtures/webhook-examples.js';
import { daemonYaml, triggerYaml, GITHUB_TEST_PLATFORM } from '../harness/config-dir.js';
import { startStackFor, type Stack } from '../harness/stack.js';
import { addedFile, sendPull, sha, tsFunctions } from '../harness/synthetic-pr.js';
import { until as waitUntil } from '../harness/until.js';

const OWNER = 'mergeq-org';
const REPO = `${OWNER}/app`;

describe('the gate on a merge queue', function () {
  this.timeout(180_000);
  const fake = new FakeAnthropic();
  let stack: Stack;
  before(async () => {
    stack = await startStackFor(
      {
        'daemon.yaml': daemonYaml(GITHUB_TEST_PLATFORM, '  gates: {directory: gates}\n'),
        'gates/g.yaml':
          'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: mq}\nspec:\n  title: AFA\n' +
          '  model: anthropic:claude-test\n  reviewers: [security, documentation]\n  billing: {default_tier: enterprise}\n',
        'triggers/t.yaml': triggerYaml(
          'mq',
          `config:\n  repositories: ["${OWNER}/*"]\n  github_events: [pull_request, merge_group]\n` +
            'commands:\n  pull_request: {gate: mq}\n  merge_group.checks_requested: {gate: mq}',
        ),
      },
      { anthropic: fake },
    );
    fake.respondWith((body) => gateAnswer(body));
  });
  after(async () => stack?.stop());
  // The gate sent nothing GitHub would refuse or ignore.
  afterEach(() => assert.deepEqual(stack.sandbox.violations, []));

  const until = (what: string, done: () => boolean | Promise<boolean>) => waitUntil(what, done, { ms: 120_000 });
  const completed = (head: string) =>
    stack.sandbox.checkRuns.find((c) => c.head_sha === head && c.status === 'completed');

  /** Each reviewer call's functions, as `reviewer | path name`: one entry per function a reviewer was asked about. */
  const reviewed = (from = 0) =>
    fake.requests.slice(from).flatMap((r) => {
      const content = String(r.body.messages[0].content);
      const reviewer = content.split('.')[0];
      return gateIds(r.body).map((id) => {
        const line = new RegExp(`^\\[${id}\\] (\\S+ \\S+)`, 'm').exec(content)![1];
        return `${reviewer} | ${line}`;
      });
    });

  const files = [1, 2, 3].map((n) => addedFile(`src/a${n}.ts`, tsFunctions(2, `a${n}`)));
  const extra = addedFile('src/extra.ts', tsFunctions(1, 'extra'));

  /** A real checks_requested (or destroyed) delivery for a group whose compare lists `changed`. */
  const group = (tag: string, changed: typeof files, last: number) => {
    const head = sha(`${REPO} group ${tag}`);
    const base = sha(`${REPO} base`);
    stack.sandbox.addComparison(
      OWNER,
      'app',
      base,
      head,
      [1, 2, 3].map((n) => ({ sha: sha(`${tag} ${n}`), message: `Merge pull request #${n}` })),
      changed,
    );
    const payload = (action: 'checks_requested' | 'destroyed', reason?: string) => {
      const p = retarget(example('merge_group', 'checks_requested'), REPO);
      p.action = action;
      Object.assign(p.merge_group, {
        head_sha: head,
        base_sha: base,
        head_ref: `refs/heads/gh-readonly-queue/main/pr-${last}-${sha(`pr ${last}`)}`,
      });
      if (reason) p.reason = reason;
      return p;
    };
    return { head, payload };
  };

  it('reviews three pull requests, then checks their group on its head commit reviewing nothing twice', async () => {
    for (const [i, f] of files.entries()) {
      const { head } = await sendPull(stack, REPO, i + 1, [f]);
      await until(`PR ${i + 1}'s check`, () => completed(head) !== undefined);
    }
    const afterPulls = reviewed();
    // 3 PRs × 2 functions × 2 reviewers, each once.
    assert.equal(afterPulls.length, 12);
    assert.equal(new Set(afterPulls).size, 12, 'a function reviewed twice by one reviewer');
    const before = fake.requests.length;

    const all = group('all three', files, 3);
    const r = await stack.send('merge_group', all.payload('checks_requested'));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    await until('the group check', () => completed(all.head) !== undefined);
    const run = completed(all.head)!;
    assert.equal(run.conclusion, 'success');
    assert.equal(run.name, 'AFA Gate Check');
    assert.match(String(run.output.summary), /Analysed 6 changed function\(s\), 6 reused from an earlier review/);
    assert.equal(fake.requests.length, before, 'the group called the model');
    assert.ok(
      stack.sandbox.requests.some(
        (q) =>
          q.method === 'GET' &&
          q.path.includes(`/compare/${all.payload('checks_requested').merge_group.base_sha}...${all.head}`),
      ),
      "the group's files came from the compare API",
    );

    // The same group delivered again is the same review.
    const again = await stack.send('merge_group', all.payload('checks_requested'), { delivery: r.delivery });
    assert.equal(again.status, 200);
    assert.equal(stack.sandbox.checkRuns.filter((c) => c.head_sha === all.head).length, 1);
  });

  it('a group with one more changed function reviews only that one', async () => {
    const before = fake.requests.length;
    const more = group('one more', [...files, extra], 3);
    assert.equal((await stack.send('merge_group', more.payload('checks_requested'))).status, 201);
    await until('the group check', () => completed(more.head) !== undefined);
    const run = completed(more.head)!;
    assert.match(String(run.output.summary), /Analysed 7 changed function\(s\), 6 reused from an earlier review/);
    const asked = reviewed(before);
    assert.deepEqual(
      asked.map((a) => a.split(' | ')[1]).sort(),
      ['src/extra.ts f0', 'src/extra.ts f0'],
      'only the new function, once per reviewer',
    );
    assert.equal(new Set(asked).size, 2);
  });

  it('destroyed stops a group under review; its check concludes as cancelled', async () => {
    let release!: () => void;
    const held = new Promise<void>((res) => (release = res));
    fake.respondWith(async (body): Promise<FakeReply> => {
      if (String(body.messages[0].content).includes('src/slow.ts')) await held;
      return gateAnswer(body);
    });
    try {
      const slow = addedFile('src/slow.ts', tsFunctions(1, 'slow'));
      const g = group('destroyed', [...files, slow], 3);
      assert.equal((await stack.send('merge_group', g.payload('checks_requested'))).status, 201);
      await until('the slow function under review', () =>
        fake.requests.some((q) => String(q.body.messages[0].content).includes('src/slow.ts')),
      );
      assert.equal(stack.sandbox.checkRuns.find((c) => c.head_sha === g.head)?.status, 'in_progress');
      const d = await stack.send('merge_group', g.payload('destroyed', 'dequeued'));
      assert.equal(d.status, 201, JSON.stringify(d.body));
      assert.equal(d.body.status, 'queued');
      await until('the check to conclude', () => completed(g.head) !== undefined);
      const run = completed(g.head)!;
      assert.equal(run.conclusion, 'cancelled');
      assert.equal(run.output.title, 'AFA Gate Check — merge group destroyed (dequeued)');
      assert.equal(stack.sandbox.checkRuns.filter((c) => c.head_sha === g.head).length, 1);
    } finally {
      release();
      fake.respondWith((body) => gateAnswer(body));
    }
    // A destroyed group nothing reviews any more: answered, nothing to stop.
    const gone = group('never started', files, 3);
    const none = await stack.send('merge_group', gone.payload('destroyed', 'invalidated'));
    assert.equal(none.status, 200);
    assert.equal(none.body.status, 'none');
  });
});
