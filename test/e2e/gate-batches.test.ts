// The gate's review at the speed of its model: built-in rules run inside the analysis (no activity per
// function), a model sees batches of functions and answers per function, only an invalid function is asked
// again (alone), the head versions come in one GraphQL request, and tokens are reported by kind.
import assert from 'node:assert/strict';
import { FakeAnthropic } from '../fakes/fake-anthropic.js';
import { daemonYaml, triggerYaml } from '../harness/config-dir.js';
import { startStackFor, type Stack } from '../harness/stack.js';
import { addedFile, pullRequest, sha, tsFunctions } from '../harness/synthetic-pr.js';

const gate = (name: string, extra = '') =>
  `apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: ${name}}\nspec:\n  title: AFA\n${extra}  billing: {default_tier: enterprise}\n`;

describe('gate review in batches', function () {
  this.timeout(120_000);
  const fake = new FakeAnthropic();
  let stack: Stack;
  before(async () => {
    stack = await startStackFor(
      {
        'daemon.yaml': daemonYaml(
          'webhook_secret_env: AOF_TEST_WEBHOOK_SECRET\ntoken_env: AOF_TEST_GITHUB_TOKEN',
          '  gates: {directory: gates}\n',
        ),
        'gates/g.yaml':
          gate('rules') +
          '---\n' +
          gate('llm', '  model: anthropic:claude-test\n  reviewers: [security, documentation]\n'),
        'triggers/a.yaml': triggerYaml(
          'llm',
          'config:\n  repositories: ["batch-llm/*"]\n  github_events: [pull_request]\ncommands:\n  pull_request: {gate: llm}',
        ),
        'triggers/b.yaml': triggerYaml(
          'rules',
          'config:\n  repositories: ["batch-rules/*"]\n  github_events: [pull_request]\ncommands:\n  pull_request: {gate: rules}',
        ),
      },
      { anthropic: fake },
    );
  });
  after(async () => stack?.stop());
  beforeEach(() => {
    stack.sandbox.reset();
    fake.reset();
  });

  /** Opens (or pushes to) a PR of `files` and waits for its completed check run and comment. */
  const review = async (repo: string, number: number, files: ReturnType<typeof addedFile>[], action = 'opened') => {
    const head = sha(`${repo}#${number}:${JSON.stringify(files)}`);
    const p = pullRequest(repo, number, head, action);
    stack.sandbox.addPull(repo.split('/')[0]!, repo.split('/')[1]!, p.pull_request, files);
    const before = stack.sandbox.requests.length;
    const r = await stack.send('pull_request', p);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    for (let i = 0; i < 600; i++) {
      const run = stack.sandbox.checkRuns.find((c) => c.head_sha === head);
      const commented = run && stack.sandbox.comments.some((c) => c.body.includes(`/runs/${run.id})`));
      if (run?.status === 'completed' && commented)
        return { run, comment: stack.sandbox.comments[0]!, requests: stack.sandbox.requests.slice(before), r };
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error(`no completed check run for ${head}`);
  };

  /** The activity types the review workflow of a gate ran, with how often. */
  const reviewActivities = async (gateWorkflowId: string) => {
    const counts: Record<string, number> = {};
    for await (const w of stack.client.workflow.list({
      query: `WorkflowType = 'prReviewWorkflow' AND WorkflowId STARTS_WITH '${gateWorkflowId}/'`,
    })) {
      const history = await stack.client.workflow.getHandle(w.workflowId).fetchHistory();
      for (const e of history.events ?? []) {
        const type = e.activityTaskScheduledEventAttributes?.activityType?.name;
        if (type) counts[type] = (counts[type] ?? 0) + 1;
      }
    }
    return counts;
  };

  it('built-in reviewers run inside the analysis: no activity per function', async () => {
    const files = [0, 1, 2].map((i) => addedFile(`src/m${i}.ts`, tsFunctions(4, `m${i}`)));
    const { run, r } = await review('batch-rules/app', 1, files);
    assert.equal(run.output.title, 'AFA Gate Check — 12 findings', 'the rules still find the debug lines');
    const counts = await reviewActivities(r.body.workflowId);
    assert.equal(counts.analysePullRequest, 1);
    assert.equal(counts.reviewFunction ?? 0, 0, 'an activity per function and reviewer');
    assert.equal(counts.reviewBatch ?? 0, 0, 'the rules left the analysis');
  });

  const count = (requests: { method: string; path: string }[], re: RegExp) =>
    requests.filter((q) => re.test(`${q.method} ${q.path}`)).length;

  it('the head versions of a 10-file PR come in one GraphQL request', async () => {
    const files = Array.from({ length: 10 }, (_, i) => addedFile(`src/m${i}.ts`, tsFunctions(2, `m${i}`)));
    const { run, requests } = await review('batch-rules/graphql', 2, [...files, addedFile('notes.md', '# n\n')]);
    assert.equal(run.output.title, 'AFA Gate Check — 20 findings');
    assert.equal(count(requests, /^POST \/graphql$/), 1);
    assert.equal(count(requests, /\/contents\//), 0, 'a contents request per file');
    // The review's own calls: check run created, in progress, completed; the changed files; one GraphQL
    // query (which also finds the gate's comment); the comment. The gate's own calls are apart: whether
    // this head was reviewed already (the commit's check runs), and the PR's head when a push arrives
    // while a review is still finishing.
    const own = (rs: typeof requests) =>
      rs.filter((q) => !/^GET .*\/(commits\/[^/]+\/check-runs|pulls\/\d+)$/.test(`${q.method} ${q.path}`));
    assert.deepEqual(
      own(requests)
        .map((q) => `${q.method} ${q.path.replace(/\/repos\/[^/]+\/[^/]+/, '').replace(/\d{3,}$/, '*')}`)
        .sort(),
      [
        'GET /pulls/2/files',
        'PATCH /check-runs/*',
        'PATCH /check-runs/*',
        'POST /check-runs',
        'POST /graphql',
        'POST /issues/2/comments',
      ].sort(),
    );
    // A push: the comment found by the query is updated, still without a lookup.
    files[0] = addedFile('src/m0.ts', tsFunctions(2, 'changed'));
    const again = await review('batch-rules/graphql', 2, files, 'synchronize');
    assert.equal(
      own(again.requests).length,
      6,
      JSON.stringify(again.requests.map((q) => `${q.method} ${q.path} ${q.status}`)),
    );
    assert.equal(count(again.requests, /^PATCH .*\/issues\/comments\/\d+$/), 1);
    assert.equal(stack.sandbox.commentsOn('batch-rules', 'graphql', 2).length, 1);
  });

  it('REST reads the head versions when GraphQL fails, and a blob GitHub cut', async () => {
    const files = [0, 1, 2].map((i) => addedFile(`src/m${i}.ts`, tsFunctions(2, `m${i}`)));
    stack.sandbox.failNext(1, 502, /^POST \/graphql$/);
    const failed = await review('batch-rules/fallback', 3, files);
    assert.equal(failed.run.output.title, 'AFA Gate Check — 6 findings');
    assert.equal(count(failed.requests, /^GET .*\/contents\//), 3);

    const big = addedFile('src/big.ts', tsFunctions(3, 'big'));
    stack.sandbox.blobTextLimit = 100; // only src/big.ts is longer
    try {
      const cut = await review('batch-rules/fallback', 4, [addedFile('src/s.ts', 'function s() {}\n'), big]);
      assert.equal(cut.run.output.title, 'AFA Gate Check — 3 findings', 'the cut blob was parsed');
      assert.equal(count(cut.requests, /^POST \/graphql$/), 1);
      assert.deepEqual(
        cut.requests.filter((q) => q.path.includes('/contents/')).map((q) => decodeURIComponent(q.path)),
        ['/repos/batch-rules/fallback/contents/src/big.ts'],
      );
    } finally {
      stack.sandbox.blobTextLimit = 512 * 1024;
    }
  });
});
