// The gate's review at the speed of its model: built-in rules run inside the analysis (no activity per
// function), a model sees batches of functions and answers per function, only an invalid function is asked
// again (alone), the head versions come in one GraphQL request, and tokens are reported by kind.
import assert from 'node:assert/strict';
import { FakeAnthropic, gateAnswer, gateIds } from '../fakes/fake-anthropic.js';
import { daemonYaml, triggerYaml, GITHUB_TEST_PLATFORM } from '../harness/config-dir.js';
import { startStackFor, type Stack } from '../harness/stack.js';
import { addedFile, sendPull, tsFunctions } from '../harness/synthetic-pr.js';

const gate = (name: string, extra = '') =>
  `apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: ${name}}\nspec:\n  title: AFA\n${extra}  billing: {default_tier: enterprise}\n`;

describe('gate review in batches', function () {
  this.timeout(120_000);
  const fake = new FakeAnthropic();
  let stack: Stack;
  before(async () => {
    stack = await startStackFor(
      {
        'daemon.yaml': daemonYaml(GITHUB_TEST_PLATFORM, '  gates: {directory: gates}\n'),
        'gates/g.yaml':
          gate('rules') +
          '---\n' +
          gate('llm', '  model: anthropic:claude-test\n  reviewers: [security, documentation]\n') +
          '---\n' +
          gate('wide', '  model: anthropic:claude-test\n  max_concurrency: 16\n'),
        'triggers/a.yaml': triggerYaml(
          'llm',
          'config:\n  repositories: ["batch-llm/*"]\n  github_events: [pull_request]\ncommands:\n  pull_request: {gate: llm}',
        ),
        'triggers/c.yaml': triggerYaml(
          'wide',
          'config:\n  repositories: ["batch-wide/*"]\n  github_events: [pull_request]\ncommands:\n  pull_request: {gate: wide}',
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
  // The gate sent nothing GitHub would refuse or ignore (a field or query parameter it does not know).
  afterEach(() => assert.deepEqual(stack.sandbox.violations, []));

  /** Opens (or pushes to) a PR of `files` and waits for its completed check run and comment. */
  const review = async (repo: string, number: number, files: ReturnType<typeof addedFile>[], action = 'opened') => {
    const before = stack.sandbox.requests.length;
    const { head, r } = await sendPull(stack, repo, number, files, action);
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
    const { run, requests, r } = await review('batch-rules/graphql', 2, [...files, addedFile('notes.md', '# n\n')]);
    assert.equal(run.output.title, 'AFA Gate Check — 20 findings');
    assert.equal(count(requests, /^POST \/graphql$/), 2, "the head versions' query and the configuration's");
    assert.equal(count(requests, /\/contents\//), 0, 'a contents request per file');
    // Every call of the gate and its review: whether this head was reviewed already (the commit's check
    // runs), the check run created in progress and completed, the changed files, the repository's gate
    // configuration and the pull request's facts (one GraphQL query beside the listing), one GraphQL query of
    // the head versions (which also finds the gate's comment), the comment.
    const calls = (rs: typeof requests) =>
      rs.map((q) => `${q.method} ${q.path.replace(/\/repos\/[^/]+\/[^/]+/, '').replace(/[0-9a-f]{40}|\d{3,}$/, '*')}`);
    assert.deepEqual(
      calls(requests).sort(),
      [
        'GET /commits/*/check-runs',
        'GET /pulls/2/files',
        'PATCH /check-runs/*',
        'POST /check-runs',
        'POST /graphql',
        'POST /graphql',
        'POST /issues/2/comments',
      ].sort(),
    );
    // A push once the first review has ended (a push during its last step makes the gate ask for the PR's
    // head, which is not a call of the review): the comment found by the query is updated, in as many calls.
    const gate = stack.client.workflow.getHandle(r.body.workflowId as string);
    for (let i = 0; i < 200; i++) {
      const events = (await gate.fetchHistory()).events ?? [];
      if (events.some((e) => e.childWorkflowExecutionCompletedEventAttributes)) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    files[0] = addedFile('src/m0.ts', tsFunctions(2, 'changed'));
    const again = await review('batch-rules/graphql', 2, files, 'synchronize');
    assert.equal(
      again.requests.length,
      7,
      JSON.stringify(again.requests.map((q) => `${q.method} ${q.path} ${q.status}`)),
    );
    assert.equal(count(again.requests, /^PATCH .*\/issues\/comments\/\d+$/), 1);
    assert.equal(stack.sandbox.commentsOn('batch-rules', 'graphql', 2).length, 1);
  });

  it('REST reads the head versions when GraphQL fails, and a blob GitHub cut', async () => {
    const files = [0, 1, 2].map((i) => addedFile(`src/m${i}.ts`, tsFunctions(2, `m${i}`)));
    // The head versions' query (not the configuration's, which names the base).
    stack.sandbox.failNext(1, 502, /^POST \/graphql$/, /^(?!.*baseRef)/);
    const failed = await review('batch-rules/fallback', 3, files);
    assert.equal(failed.run.output.title, 'AFA Gate Check — 6 findings');
    assert.equal(count(failed.requests, /^GET .*\/contents\//), 3);

    const big = addedFile('src/big.ts', tsFunctions(3, 'big'));
    stack.sandbox.blobTextLimit = 100; // only src/big.ts is longer
    try {
      const cut = await review('batch-rules/fallback', 4, [addedFile('src/s.ts', 'function s() {}\n'), big]);
      assert.equal(cut.run.output.title, 'AFA Gate Check — 3 findings', 'the cut blob was parsed');
      assert.equal(count(cut.requests, /^POST \/graphql$/), 2, "the head versions' query and the configuration's");
      assert.deepEqual(
        cut.requests.filter((q) => q.path.includes('/contents/')).map((q) => decodeURIComponent(q.path)),
        ['/repos/batch-rules/fallback/contents/src/big.ts'],
      );
    } finally {
      stack.sandbox.blobTextLimit = 512 * 1024;
    }
  });

  it('a model reviews batches and answers per function; only the invalid function is asked again, alone', async () => {
    const code = [0, 1, 2].map((i) => `export function q${i}(id: string) {\n  return db.query('q' + id);\n}`);
    fake.respondWith((body) => {
      const ids = gateIds(body);
      const security = body.messages[0].content.startsWith('Review category: security');
      return gateAnswer(body, (id) =>
        // The batch's answer for f2 names a line outside the function; asked alone, it is right.
        security && ids.length > 1 && id === 'f2'
          ? { score: 50, findings: [{ severity: 'high', line: 999, message: 'Injection' }] }
          : security
            ? {
                score: 50,
                findings: [{ severity: 'high', line: 2 + 4 * (Number(id.slice(1)) - 1), message: 'Injection' }],
              }
            : { score: 100, findings: [] },
      );
    });
    const { run } = await review('batch-llm/api', 5, [addedFile('src/q.ts', code.join('\n\n') + '\n')]);
    const asked = fake.requests.map((r) => [r.body.messages[0].content.split('.')[0], gateIds(r.body)]);
    // The first call alone (it writes the prompt cache), with its one re-ask; then the other reviewer.
    const security =
      'Review category: security: injection, unsafe execution, secrets, authorization, unsafe deserialization';
    assert.deepEqual(asked, [
      [security, ['f1', 'f2', 'f3']],
      [security, ['f2']],
      ['Review category: documentation: missing or misleading doc comments on public functions', ['f1', 'f2', 'f3']],
    ]);
    assert.match(
      fake.requests[1]!.body.messages[0].content,
      /earlier answer for f2 was not valid \(finding at line 999 is outside/,
    );
    assert.deepEqual(
      run.output.annotations.map((a: any) => [a.start_line, a.message]),
      [
        [2, 'Injection'],
        [6, 'Injection'],
        [10, 'Injection'],
      ],
    );
    assert.doesNotMatch(run.output.summary!, /Reviewer errors/);
  });

  it('the reviewer prompt is cached after the first call; tokens are reported by kind', async () => {
    fake.respondWith((body) => gateAnswer(body));
    const { run, comment } = await review('batch-llm/tokens', 6, [addedFile('src/t.ts', tsFunctions(3, 't'))]);
    const [first, second] = fake.requests;
    assert.ok(first!.body.system[0].cache_control, 'the system prompt is marked for caching');
    assert.equal(first!.usage!.cache_read_input_tokens, 0);
    assert.ok(first!.usage!.cache_creation_input_tokens >= fake.promptCache.minCacheable);
    assert.equal(second!.usage!.cache_read_input_tokens, first!.usage!.cache_creation_input_tokens);
    const sum = (k: string) => fake.requests.reduce((n, r) => n + r.usage![k]!, 0);
    const line = `Model tokens: ${sum('input_tokens') + sum('cache_creation_input_tokens')} input, ${sum('cache_read_input_tokens')} read from the prompt cache, ${sum('output_tokens')} output.`;
    assert.ok(run.output.summary!.includes(line), run.output.summary);
    assert.ok(comment.body.includes(line), comment.body);
  });

  it('a push minutes after a model review starts its model calls together: the prompt is still cached', async () => {
    let inFlight = 0;
    let most = 0;
    let release!: () => void;
    const four = new Promise<void>((r) => (release = r));
    const respond = async (body: Parameters<typeof gateAnswer>[0]) => {
      most = Math.max(most, ++inFlight);
      // Held until both reviewers' calls are in flight (or a second and a half): calls made one after
      // another never are.
      if (inFlight >= 2) release();
      await Promise.race([four, new Promise((r) => setTimeout(r, 1500))]);
      inFlight--;
      return gateAnswer(body);
    };
    fake.respondWith(respond);
    const src = tsFunctions(2, 'warm');
    await review('batch-llm/warm', 8, [addedFile('src/w.ts', src)]);
    assert.equal(fake.requests.length, 2, 'one call per reviewer (security, documentation)');
    assert.equal(most, 1, 'the first review writes the prompt cache with one call, then makes the other');
    // Only the requests go: the provider's prompt cache keeps what the first review wrote.
    fake.requests.length = 0;
    most = 0;
    const changed = src.replace(/return x \+ 0;/g, 'x = x * 2;\n  return x + 0;');
    assert.notEqual(changed, src);
    await review('batch-llm/warm', 8, [addedFile('src/w.ts', changed)], 'synchronize');
    assert.equal(fake.requests.length, 2);
    assert.equal(most, 2, "the push's calls start together");
    for (const r of fake.requests) assert.ok(r.usage!.cache_read_input_tokens > 0, 'each call read the cached prompt');
  });

  it('max_concurrency above the worker default of 10 has that many model calls in flight', async () => {
    let inFlight = 0;
    let most = 0;
    let release!: () => void;
    const all = new Promise<void>((r) => (release = r));
    fake.respondWith(async (body) => {
      most = Math.max(most, ++inFlight);
      // After the first call (which warms the prompt cache) the other 15 are held until all are in flight.
      if (fake.requests.length > 1) {
        if (inFlight >= 15) release();
        await Promise.race([all, new Promise((r) => setTimeout(r, 30_000))]);
      }
      inFlight--;
      return gateAnswer(body);
    });
    // 100 functions: 4 batches of 25 for each of the 4 reviewers, 16 calls.
    const files = [0, 1, 2, 3].map((i) => addedFile(`src/w${i}.ts`, tsFunctions(25, `w${i}`)));
    await review('batch-wide/app', 7, files);
    assert.equal(fake.requests.length, 16);
    assert.equal(most, 15, 'model calls in flight at once');
  });
});
