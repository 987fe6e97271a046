// Review threads (a gate's report: review), below the workflow: the GitHub sandbox refuses review comments
// as GitHub does and pages review threads; the gate's GitHub side reads and resolves many threads in a
// bounded number of requests; a finding's identity follows its code, not its line; the built-in rules give
// replacements where the fix is mechanical.
import assert from 'node:assert/strict';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createOctokit } from '../../src/forges/github/client.js';
import { githubReviewThreads, MUTATIONS_PER_REQUEST } from '../../src/forges/github/review-threads.js';
import { MUTATIONS_MAX } from '../../src/forges/review-limits.js';
import { suggestionBlock, threadMarker } from '../../src/forges/findings.js';
import { identified } from '../../src/gate/finding-identity.js';
import { REVIEW_FINDINGS_MAX, REVIEW_TEXT_MAX, reviewFindings } from '../../src/gate/report.js';
import { ruleReview } from '../../src/gate/rules.js';
import { GitHubSandbox } from '../../src/sandbox/github/server.js';
import { addedFile, pullRequest } from '../harness/synthetic-pr.js';
import type { ReviewFinding } from '../../src/forges/port.js';

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const asActivity = <T>(fn: () => Promise<T>, activityId = 'review', attempt = 1) =>
  new MockActivityEnvironment(
    { attempt, activityId, workflowExecution: { workflowId: 'wf', runId: 'run' } },
    { logger: quiet },
  ).run(fn) as Promise<T>;

const CODE = Array.from({ length: 300 }, (_, i) => `const v${i} = ${i};`).join('\n');
const finding = (line: number, key = `k${line}`): ReviewFinding => ({
  key,
  path: 'src/a.ts',
  start_line: line,
  end_line: line,
  annotation_level: 'warning',
  title: `maintainability: low in f`,
  message: `finding ${line}`,
  onDiff: true,
});

describe('review threads', () => {
  const sandbox = new GitHubSandbox();
  let gh: ReturnType<typeof createOctokit>;
  before(async () => {
    await sandbox.start();
    gh = createOctokit(sandbox.url, 'ghs_installation');
  });
  after(() => sandbox.stop());
  beforeEach(() => sandbox.reset());
  const seed = (n: number, files = [addedFile('src/a.ts', CODE)]) =>
    sandbox.addPull('o', 'r', pullRequest('o/r', n, 'h'.repeat(40)).pull_request, files);
  const review = (n: number, comments: Record<string, unknown>[]) =>
    gh.pulls.createReview({ owner: 'o', repo: 'r', pull_number: n, event: 'COMMENT', body: 'b', comments } as never);
  const refusal = async (p: Promise<unknown>) =>
    p.then(
      () => assert.fail('GitHub would refuse this'),
      (e: { status: number; response: { data: { errors: string[] } } }) => {
        assert.equal(e.status, 422);
        return e.response.data.errors.join(' ');
      },
    );

  it('the sandbox refuses, all or nothing, a comment off the diff, a backwards range, a range across hunks, an unknown path', async () => {
    const patch = '@@ -1,2 +1,3 @@\n a\n+b\n c\n@@ -10,1 +11,2 @@\n x\n+y';
    seed(1, [{ ...addedFile('f.ts', 'a'), patch }]);
    assert.match(
      await refusal(
        review(1, [
          { path: 'f.ts', line: 2, side: 'RIGHT', body: 'ok' },
          { path: 'f.ts', line: 5, body: 'x' },
        ]),
      ),
      /line must be part of the diff/,
    );
    assert.match(
      await refusal(review(1, [{ path: 'f.ts', start_line: 3, line: 2, body: 'x' }])),
      /start line must precede the end line/,
    );
    assert.match(await refusal(review(1, [{ path: 'f.ts', start_line: 2, line: 12, body: 'x' }])), /same hunk/);
    assert.match(await refusal(review(1, [{ path: 'nope.ts', line: 1, body: 'x' }])), /Path could not be resolved/);
    assert.equal(sandbox.reviews.length, 0, 'nothing of a refused review is kept');
    // Context and added lines of either hunk are on the diff; a range within one hunk too.
    await review(1, [
      { path: 'f.ts', line: 1, body: 'context' },
      { path: 'f.ts', start_line: 11, line: 12, side: 'RIGHT', start_side: 'RIGHT', body: 'range' },
    ]);
    assert.deepEqual(
      sandbox.threadsOn('o', 'r', 1).map((t) => [t.start_line, t.line]),
      [
        [undefined, 1],
        [11, 12],
      ],
    );
  });

  it('reads 250 threads in 3 pages and resolves the fixed ones in batches, at most MUTATIONS_MAX a push', async () => {
    seed(2);
    const findings = Array.from({ length: 250 }, (_, i) => finding(i + 1));
    const first = await asActivity(() =>
      githubReviewThreads(
        gh,
        { owner: 'o', repo: 'r', number: 2 },
        { headSha: 'h'.repeat(40), body: 'AFA', findings, analysedPaths: ['src/a.ts'] },
      ),
    );
    assert.deepEqual([first.new, first.remaining, first.fixed], [250, 0, 0]);
    assert.equal(sandbox.threadsOn('o', 'r', 2).length, 250);
    assert.equal(sandbox.requests.filter((r) => r.path.endsWith('/reviews')).length, 1, 'one review request');

    sandbox.requests.length = 0;
    // The next push's review: another activity.
    const again = await asActivity(
      () =>
        githubReviewThreads(
          gh,
          { owner: 'o', repo: 'r', number: 2 },
          { headSha: 'h'.repeat(40), body: 'AFA', findings: findings.slice(0, 100), analysedPaths: ['src/a.ts'] },
        ),
      'next-review',
    );
    const graphql = sandbox.requests.filter((r) => r.path === '/graphql');
    assert.equal(again.remaining, 100);
    assert.equal(again.fixed, MUTATIONS_MAX, 'the threads resolved on this push');
    const resolved = sandbox.threadsOn('o', 'r', 2).filter((t) => t.resolved).length;
    assert.equal(resolved, MUTATIONS_MAX, 'resolved up to the cap; the rest on the next push');
    assert.equal(graphql.length, 3 + MUTATIONS_MAX / MUTATIONS_PER_REQUEST, 'three pages read, then batches');
    assert.equal(sandbox.requests.filter((r) => r.path.endsWith('/reviews')).length, 0, 'nothing new: no review');
  });

  it("a finding's identity follows its code, not its line; its marker ignores wording and severity", () => {
    const fn = (start: number) => ({ name: 'f', startLine: start, code: 'function f() {\n  console.log(1);\n}' });
    const result = (line: number) => [
      {
        reviewer: 'maintainability' as const,
        score: 90,
        tokens: 0,
        findings: [{ severity: 'low' as const, line, message: 'x' }],
      },
    ];
    const a = identified(fn(1), result(2))[0]!.findings[0]!.identity!;
    const b = identified(fn(40), result(41))[0]!.findings[0]!.identity!;
    assert.equal(a, b);
    const other = identified({ ...fn(1), code: 'function f() {\n  console.log(2);\n}' }, result(2))[0]!.findings[0]!
      .identity;
    assert.notEqual(a, other);
    assert.equal(threadMarker({ path: 'p', key: a }), threadMarker({ path: 'p', key: b }));
  });

  it('the findings a review posts: the most severe first, bounded in number and text, on the diff only when every line changed', () => {
    const fn = {
      path: 'a.ts',
      name: 'f',
      language: 'typescript',
      startLine: 1,
      endLine: 500,
      changedLines: [2, 3],
      hash: 'h',
    };
    const many = Array.from({ length: 200 }, (_, i) => ({
      severity: (i === 150 ? 'critical' : 'low') as 'critical' | 'low',
      line: 1 + (i % 4),
      end_line: i % 4 === 1 ? 3 : undefined,
      message: `m${i}`,
      identity: `f:maintainability:${i}`,
    }));
    const out = reviewFindings({
      reviews: [{ fn, results: [{ reviewer: 'maintainability', score: 0, tokens: 0, findings: many }] }],
    });
    assert.equal(out.length, REVIEW_FINDINGS_MAX);
    assert.equal(out[0]!.message, 'm150', 'the critical one first');
    assert.deepEqual(
      out.slice(1, 5).map((f) => [f.start_line, f.end_line, f.onDiff]),
      [
        [1, 1, false],
        [2, 3, true],
        [3, 3, true],
        [4, 4, false],
      ],
    );
    const long = many.map((f) => ({ ...f, message: 'x'.repeat(2000), replacement: 'y'.repeat(1000) }));
    const cut = reviewFindings({
      reviews: [{ fn, results: [{ reviewer: 'maintainability', score: 0, tokens: 0, findings: long }] }],
    });
    assert.equal(cut.length, Math.floor(REVIEW_TEXT_MAX / 3000));
  });

  it('the built-in rules give a replacement where the fix is mechanical; a suggestion fence the code cannot close', () => {
    const { findings } = ruleReview(
      'performance',
      'function f(x) {\n  const y = JSON.parse(JSON.stringify(x));\n}',
      1,
      [2],
    );
    assert.equal(findings[0]!.replacement, '  const y = structuredClone(x);');
    const debug = ruleReview(
      'maintainability',
      "function f() {\n  console.log('a');\n  g(console.log('b'));\n}",
      1,
      [2, 3],
    );
    assert.deepEqual(
      debug.findings.map((f) => [f.line, f.replacement]),
      [
        [2, ''],
        [3, undefined],
      ],
    );
    assert.equal(suggestionBlock('a ``` b'), '````suggestion\na ``` b\n````');
  });
});
