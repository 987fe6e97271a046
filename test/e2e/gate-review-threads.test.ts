// A gate with `report: [annotations, review]` on GitHub, end to end: its findings arrive as one pull
// request review with line comments (a committable suggestion where the built-in rules know the fix), and
// across ten pushes each finding keeps its one thread, follows its code when it moves, is resolved by the
// bot when fixed, and is not raised again once a person resolved it or answered that it won't be fixed.
// The summary (the PR comment) says what is new, what remains and what was fixed. A review whose answer
// is lost after GitHub stored it is posted once. Every wait is for a condition the sandbox shows.
import assert from 'node:assert/strict';
import { daemonYaml, triggerYaml, GITHUB_TEST_PLATFORM } from '../harness/config-dir.js';
import { startStackFor, type Stack } from '../harness/stack.js';
import { addedFile, fixableFunction, sendPull } from '../harness/synthetic-pr.js';
import { until as waitUntil } from '../harness/until.js';

const OWNER = 'threads-org';
const REPO = `${OWNER}/app`;
const PERSON = 'octo-reviewer';

const source = fixableFunction;

describe('gate findings as one review whose threads follow them across pushes (GitHub)', function () {
  this.timeout(600_000);
  let stack: Stack;
  before(async () => {
    stack = await startStackFor({
      'daemon.yaml': daemonYaml(GITHUB_TEST_PLATFORM, '  gates: {directory: gates}\n'),
      'gates/g.yaml':
        'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: afa}\nspec:\n  title: AFA\n  report: [annotations, review]\n',
      'triggers/t.yaml': triggerYaml(
        'gate',
        'config:\n  github_events: [pull_request]\ncommands:\n  pull_request: {gate: afa}',
      ),
    });
  });
  after(async () => stack?.stop());

  const until = (what: string, done: () => boolean | Promise<boolean>) => waitUntil(what, done, { ms: 120_000 });
  const threads = (n: number) => stack.sandbox.threadsOn(OWNER, 'app', n);
  const reviewPosts = (n: number) =>
    stack.sandbox.requests.filter((r) => r.method === 'POST' && r.path === `/repos/${REPO}/pulls/${n}/reviews`);
  const gateComment = (n: number) =>
    stack.sandbox.commentsOn(OWNER, 'app', n).find((c) => c.body.includes('<!-- aof-gate-check -->'));
  /** The gate's verdict on `head`: its check run completed. */
  const reviewed = (head: string) =>
    stack.sandbox.checkRuns.some((c) => c.head_sha === head && c.status === 'completed');
  const threadAbout = (n: number, text: string) => threads(n).find((t) => t.comments[0]!.body.includes(text));
  const commentWrites = (n: number) =>
    stack.sandbox.requests.filter(
      (r) =>
        r.status < 300 &&
        ((r.method === 'POST' && r.path === `/repos/${REPO}/issues/${n}/comments`) ||
          (r.method === 'PATCH' && r.path.startsWith(`/repos/${REPO}/issues/comments/`))),
    ).length;
  /** A push, reviewed: its verdict given and its summary written (the comment goes with the verdict). */
  const push = async (n: number, content: string, action: string) => {
    const writes = commentWrites(n);
    const { head } = await sendPull(stack, REPO, n, [addedFile('src/copy.ts', content)], action);
    await until(`the review of ${head.slice(0, 7)}`, () => reviewed(head) && commentWrites(n) > writes);
    return head;
  };

  it('posts one review with line comments and a committable suggestion, then follows its threads across ten pushes', async () => {
    const n = 7;
    await push(n, source(0), 'opened');
    assert.equal(reviewPosts(n).length, 1, 'one review request for all line comments');
    const first = threads(n);
    assert.ok(first.length >= 3, `threads: ${first.map((t) => t.comments[0]!.body.split('\n')[0]).join(' | ')}`);
    const copyThread = threadAbout(n, 'Deep copy through JSON')!;
    assert.ok(copyThread, 'the deep copy has a thread');
    assert.equal(copyThread.path, 'src/copy.ts');
    assert.equal(copyThread.line, 2);
    assert.ok(
      copyThread.comments[0]!.body.includes('```suggestion\n  const y = structuredClone(x);\n```'),
      copyThread.comments[0]!.body,
    );
    const debugThread = threadAbout(n, 'Debug output left in')!;
    assert.ok(debugThread.comments[0]!.body.includes('```suggestion\n```'), 'deleting the line is the suggestion');
    const docThread = threadAbout(n, 'without a doc comment')!;
    assert.ok(docThread, 'the doc comment finding has a thread');
    assert.match(gateComment(n)!.body, new RegExp(`Review threads: ${first.length} new, 0 remaining, 0 fixed`));

    // A person resolves the debug-output thread, and answers the doc comment finding: won't fix.
    stack.sandbox.resolveThread(debugThread.id, PERSON);
    stack.sandbox.replyInThread(docThread.id, PERSON, "We won't fix this: internal API.");

    // Pushes that move the function down: every finding is still there, its code moved.
    for (let i = 1; i <= 5; i++) await push(n, source(i), 'synchronize');
    assert.equal(threads(n).length, first.length, 'no new thread for a finding whose code moved');
    assert.equal(reviewPosts(n).length, 1, 'no new review');
    assert.equal(threadAbout(n, 'Debug output left in')!.resolved, true, 'the resolved thread stays resolved');
    assert.equal(threadAbout(n, 'Debug output left in')!.resolvedBy, PERSON);
    assert.match(gateComment(n)!.body, /Review threads: 0 new, 1 remaining, 0 fixed \(threads resolved\), 2 dismissed/);

    // The deep copy is fixed: its thread is resolved by the bot; the rest stay as they are.
    await push(n, source(5, true), 'synchronize');
    assert.equal(threadAbout(n, 'Deep copy through JSON')!.resolved, true, 'the fixed finding has its thread resolved');
    assert.equal(threadAbout(n, 'Deep copy through JSON')!.resolvedBy, null, 'resolved by the bot (an App is no User)');
    assert.equal(threadAbout(n, 'without a doc comment')!.resolved, false, 'a dismissed thread is left as it is');
    assert.match(gateComment(n)!.body, /Review threads: 0 new, 0 remaining, 1 fixed/);

    for (let i = 6; i <= 9; i++) await push(n, source(i, true), 'synchronize');
    // Ten pushes in all: one thread per finding, never a second.
    const bodies = threads(n).map((t) => t.comments[0]!.body.match(/<!-- aof:finding=[0-9a-f]+ -->/)![0]);
    assert.equal(new Set(bodies).size, bodies.length, 'a finding with two threads');
    assert.equal(threads(n).length, first.length);
    assert.equal(reviewPosts(n).length, 1);
    assert.deepEqual(stack.sandbox.violations, [], 'requests GitHub would refuse');
  });

  it('a review whose answer is lost after GitHub stored it is posted once', async () => {
    const n = 8;
    const faults = stack.sandbox.afterCommitFaults;
    stack.sandbox.failAfterCommit(1, 'status500', new RegExp(`^POST /repos/${REPO}/pulls/${n}/reviews$`));
    await push(n, source(0), 'opened');
    assert.equal(stack.sandbox.afterCommitFaults, faults + 1, 'the review was stored and its answer lost');
    assert.equal(stack.sandbox.reviews.filter((r) => r.pullNumber === n && r.repo === 'app').length, 1);
    const markers = threads(n).map((t) => t.comments[0]!.body.match(/<!-- aof:finding=[0-9a-f]+ -->/)![0]);
    assert.ok(markers.length >= 3);
    assert.equal(new Set(markers).size, markers.length, 'a finding posted twice');
    assert.match(gateComment(n)!.body, new RegExp(`Review threads: ${markers.length} new, 0 remaining`));
  });
});
