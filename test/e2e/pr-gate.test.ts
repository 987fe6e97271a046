// The PR gate check end to end: signed pull_request events into the ingress, the gate workflow on a
// real Temporal server, tree-sitter, the reviewers, and the GitHub sandbox enforcing GitHub's limits.
import assert from 'node:assert/strict';
import { accountOf, monthOf, quotaWorkflowId } from '../../src/gate/quota.js';
import { countsQueueOf } from '../../src/temporal/task-queues.js';
import { FakeAnthropic, text } from '../fakes/fake-anthropic.js';
import { daemonYaml, triggerYaml, GITHUB_TEST_PLATFORM } from '../harness/config-dir.js';
import { startStackFor, type Stack } from '../harness/stack.js';
import { addedFile, pullRequest, sendPull, sha, tsFunctions } from '../harness/synthetic-pr.js';

const gate = (name: string, extra = '') => `apiVersion: aof.dev/v1
kind: GateCheck
metadata: {name: ${name}}
spec:
  title: AFA
  max_concurrency: 16
${extra}  billing:
    accounts: {quota-org: developer, upsell-org: team, forged-org: developer}
    limits: {developer: 1}
    upgrade_url: https://portal.example.com/upgrade
    upsell: {tiers: [team], title: AEGIS, text: "AEGIS hardens what AFA finds."}
`;

describe('PR gate check', function () {
  this.timeout(120_000);
  const fake = new FakeAnthropic();
  let stack: Stack;
  before(async () => {
    stack = await startStackFor(
      {
        'daemon.yaml': daemonYaml(
          GITHUB_TEST_PLATFORM,
          '  gates: {directory: gates}\n  temporal: {web_ui_url: "http://localhost:8233"}\n',
        ),
        'gates/g.yaml':
          gate('afa') + '---\n' + gate('afa-llm', '  model: anthropic:claude-test\n  reviewers: [security]\n'),
        'triggers/a.yaml': triggerYaml(
          'llm-gate',
          'config:\n  repositories: ["llm-org/*"]\n  github_events: [pull_request]\ncommands:\n  pull_request: {gate: afa-llm}',
        ),
        'triggers/b.yaml': triggerYaml(
          'gate',
          'config:\n  github_events: [pull_request, check_run, issue_comment]\ncommands:\n  pull_request.opened: {gate: afa}\n  pull_request.synchronize: {gate: afa}\n  check_run.rerequested: {gate: afa}\n  /review: {gate: afa}',
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

  /** Sends a PR event whose files are `files`, then waits until the PR's gate has finished that head. */
  const push = async (repo: string, number: number, files: ReturnType<typeof addedFile>[], action = 'opened') => {
    const { head, r } = await sendPull(stack, repo, number, files, action);
    assert.equal(r.body.status, 'queued');
    return { head, workflowId: r.body.workflowId as string };
  };
  const settled = async (head: string) => {
    for (let i = 0; i < 600; i++) {
      const run = stack.sandbox.checkRuns.find((c) => c.head_sha === head);
      // Done when the comment is the one for this head's check run (or says the quota is reached).
      const commented = stack.sandbox.comments.some(
        (c) => (run && c.body.includes(`/runs/${run.id})`)) || c.body.includes('quota reached'),
      );
      if (run?.status === 'completed' && commented) return run;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no completed check run for ${head}`);
  };
  const checkWrites = () => stack.sandbox.requests.filter((q) => q.method !== 'GET' && q.path.includes('/check-runs'));

  it('120 findings: annotations in three requests, a summary within limits, one comment kept current', async () => {
    const first = await push('octo/app', 1, [
      addedFile('src/a.ts', tsFunctions(60)),
      addedFile('src/b.ts', tsFunctions(60, 'b')),
      addedFile('docs/x.bin', ''),
    ]);
    const run = await settled(first.head);
    assert.deepEqual(run.history, ['in_progress', 'completed:success', 'completed:success', 'completed:success']);
    assert.equal(run.name, 'AFA Gate Check');
    assert.equal(run.output.title, 'AFA Gate Check — 120 findings');
    assert.equal(run.output.annotations.length, 120);
    const annotated = checkWrites().filter((q) => (q.body as any)?.output?.annotations?.length);
    assert.deepEqual(
      annotated.map((q) => (q.body as any).output.annotations.length),
      [50, 50, 20],
    );
    assert.ok(run.output.summary!.length <= 65535);
    assert.match(run.output.summary!, /Analysed 120 changed function\(s\)/);
    assert.match(run.output.summary!, /docs\/x\.bin: language not supported/);
    const a0 = run.output.annotations[0] as any;
    assert.deepEqual(
      [a0.path, a0.start_line, a0.annotation_level, a0.message],
      ['src/a.ts', 2, 'notice', 'Debug output left in'],
    );
    assert.match(
      run.details_url!,
      /^http:\/\/localhost:8233\/namespaces\/default\/workflows\/gate%2Focto%2Fapp%231%2F/,
    );

    assert.equal(stack.sandbox.comments.length, 1);
    const comment = stack.sandbox.comments[0]!;
    assert.match(comment.body, /^<!-- aof-gate-check -->\n## ✅ AFA Gate Check — 120 findings/);
    assert.match(comment.body, /### Maintainability \(120\)/);
    assert.match(comment.body, /\| `src\/a\.ts` `f0` \| 100 \| 100 \| 96 \| 100 \|/);
    assert.match(comment.body, /### Enhancement eligibility/);
    assert.doesNotMatch(comment.body, /AEGIS/);

    // A push that changes one function: the comment is updated, not duplicated; the rest is reused.
    const changed = tsFunctions(60).replace("console.log('v1', x);", "console.log('v1', x);\n  eval('x');");
    const second = await push(
      'octo/app',
      1,
      [addedFile('src/a.ts', changed), addedFile('src/b.ts', tsFunctions(60, 'b'))],
      'synchronize',
    );
    const run2 = await settled(second.head);
    assert.equal(run2.conclusion, 'failure', 'a critical finding fails the gate');
    assert.equal(stack.sandbox.comments.length, 1);
    assert.equal(stack.sandbox.comments[0]!.id, comment.id);
    assert.match(stack.sandbox.comments[0]!.body, /## ❌ AFA Gate Check — 121 findings/);
    assert.match(stack.sandbox.comments[0]!.body, /\(119 reused from an earlier review of this PR/);
  });

  it('GitHub applies annotation batches and answers 500: every finding is annotated once (issue 23, item 4)', async () => {
    stack.sandbox.failAfterCommit(2, 'status500', /^PATCH .*\/check-runs\/\d+$/);
    const { head } = await push('octo/twice', 1, [
      addedFile('src/a.ts', tsFunctions(60)),
      addedFile('src/b.ts', tsFunctions(60, 'b')),
    ]);
    const run = await settled(head);
    assert.equal(run.output.annotations.length, 120);
    const annotated = checkWrites().filter((q) => (q.body as any)?.output?.annotations?.length);
    assert.deepEqual(
      annotated.map((q) => [q.status, (q.body as any).output.annotations.length]),
      [
        [500, 50],
        [500, 50],
        [200, 20],
      ],
      'each batch sent once: its retry read the run and found it applied',
    );
    assert.equal(
      stack.sandbox.requests.filter((q) => q.method === 'GET' && q.path === `/repos/octo/twice/check-runs/${run.id}`)
        .length,
      2,
    );
  });

  it("someone else's comment carrying the gate's hidden marker is never taken for the gate's comment", async () => {
    const now = new Date().toISOString();
    const bait = {
      id: 99,
      owner: 'octo',
      repo: 'hijack',
      issueNumber: 5,
      body: '<!-- aof-gate-check -->\nAll checks passed, merge away!',
      user: 'mallory',
      created_at: now,
      updated_at: now,
    };
    stack.sandbox.comments.push({ ...bait });
    const r = await push('octo/hijack', 5, [addedFile('src/a.ts', 'export function a() {\n  return 1;\n}\n')]);
    await settled(r.head);
    const comments = stack.sandbox.commentsOn('octo', 'hijack', 5);
    assert.equal(comments.length, 2);
    assert.deepEqual(
      comments.find((c) => c.id === 99),
      bait,
      "mallory's comment was overwritten",
    );
    assert.match(comments.find((c) => c.id !== 99)!.body, /^<!-- aof-gate-check -->\n## \S+ AFA Gate Check/);
  });

  it('a reused finding moves with its function when lines are added above it', async () => {
    const fn = "export function keep(x: number) {\n  console.log('v', x);\n  return x;\n}\n";
    const first = await push('octo/moves', 8, [addedFile('src/m.ts', fn)]);
    const run1 = await settled(first.head);
    const debugLines = (run: typeof run1) =>
      run.output.annotations.filter((a: any) => a.message === 'Debug output left in').map((a: any) => a.start_line);
    assert.deepEqual(debugLines(run1), [2]);
    const second = await push('octo/moves', 8, [addedFile('src/m.ts', '// header\n'.repeat(10) + fn)], 'synchronize');
    const run2 = await settled(second.head);
    assert.match(run2.output.summary!, /reused/);
    assert.deepEqual(debugLines(run2), [12]);
  });

  it('a head already reviewed is not reviewed again after the gate ended', async () => {
    const first = await push('octo/memory', 3, [addedFile('src/m.ts', 'export function m() {\n  return 1;\n}\n')]);
    await settled(first.head);
    await stack.client.workflow.getHandle(first.workflowId).terminate('as after its quiet exit');
    const again = await stack.send('pull_request', pullRequest('octo/memory', 3, first.head, 'synchronize'));
    assert.equal(again.status, 201);
    // The new gate run must have taken in the redelivery (and skipped it) before anyone asks again.
    let state = '';
    for (let i = 0; i < 600 && !state.includes('already reviewed'); i++) {
      state = await stack.client.workflow
        .getHandle(first.workflowId)
        .describe()
        .then((d) => String(d.searchAttributes.AofState?.[0] ?? ''));
      if (!state.includes('already reviewed')) await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(state, /already reviewed/);
    assert.equal(stack.sandbox.checkRuns.filter((c) => c.head_sha === first.head).length, 1, 'reviewed again');
  });

  it('a late delivery of an older head does not cancel the review of the actual head', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    fake.script(async () => {
      await held;
      return text('{"score": 90, "findings": []}');
    });
    const older = sha('older head');
    const current = await push('llm-org/late', 21, [addedFile('src/l.ts', 'export function l() {\n  return 1;\n}\n')]);
    for (let i = 0; i < 100 && fake.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    // GitHub delivers the older push late; the PR's head is still the current one.
    assert.equal((await stack.send('pull_request', pullRequest('llm-org/late', 21, older, 'synchronize'))).status, 201);
    await new Promise((r) => setTimeout(r, 1000));
    release();
    const run = await settled(current.head);
    assert.equal(run.conclusion, 'success', 'the review of the actual head was cancelled');
    assert.equal(stack.sandbox.checkRuns.filter((c) => c.head_sha === older).length, 0, 'the older head was reviewed');
  });

  it('made-up installation ids draw from the owner’s quota, not a fresh account each (issue 22, item 2)', async () => {
    const ok = await push('forged-org/svc', 1, [addedFile('a.py', 'def f():\n    print(1)\n')]);
    assert.equal((await settled(ok.head)).conclusion, 'success');
    for (const [number, installation] of [
      [2, 555],
      [3, 556],
    ] as const) {
      stack.sandbox.reset();
      const files = [addedFile('a.py', `def g${number}():\n    print(${number})\n`)];
      const head = sha(`forged-org/svc#${number}:${JSON.stringify(files)}`);
      const p = pullRequest('forged-org/svc', number, head);
      p.installation = { id: installation, node_id: 'x' };
      stack.sandbox.addPull('forged-org', 'svc', p.pull_request, files);
      assert.equal((await stack.send('pull_request', p)).status, 201);
      const run = await settled(head);
      assert.equal(run.output.title, 'AFA Gate Check — quota reached', `installation ${installation} got an analysis`);
    }
  });

  it('quota exhausted: a comment with the upgrade link, a neutral check run, no analysis', async () => {
    const ok = await push('quota-org/svc', 7, [addedFile('a.py', 'def f():\n    print(1)\n')]);
    assert.equal((await settled(ok.head)).conclusion, 'success');
    stack.sandbox.reset();
    const over = await push('quota-org/svc', 8, [addedFile('a.py', 'def g():\n    print(2)\n')]);
    const run = await settled(over.head);
    assert.equal(run.conclusion, 'neutral');
    assert.equal(run.output.title, 'AFA Gate Check — quota reached');
    assert.match(
      stack.sandbox.comments[0]!.body,
      /\*\*developer\*\* tier includes 1 analyses a month[\s\S]*\(https:\/\/portal\.example\.com\/upgrade\)/,
    );
    // The pull request is read while the quota is reserved (issue 24); the refusal discards what was read:
    // no function is reviewed or reported, and the reading is one listing and one GraphQL read at most.
    assert.match(run.output.summary ?? '', /nothing was analysed/);
    assert.doesNotMatch(stack.sandbox.comments[0]!.body, /`g`|Reviewed|finding/i);
    // The head's files are read once at most, and the repository's configuration (its facts and files, one
    // request beside the listing) once at most.
    const graphql = stack.sandbox.requests.filter((q) => /\/graphql$/.test(q.path)).map((q) => JSON.stringify(q.body));
    assert.ok(graphql.filter((b) => !/baseRef/.test(b)).length <= 1, 'head files read once at most');
    assert.ok(graphql.filter((b) => /baseRef/.test(b)).length <= 1, 'configuration read once at most');
    assert.equal(
      stack.sandbox.requests.filter((q) => /\/contents\//.test(q.path)).length,
      0,
      'no file read one by one',
    );
    // The month's count runs on the counts' queue: its answers never wait behind a flood on the main one.
    const count = await stack.client.workflow
      .getHandle(quotaWorkflowId(accountOf(undefined, 'quota-org'), monthOf(Date.now())))
      .describe();
    assert.equal(count.taskQueue, countsQueueOf(stack.resources.daemon.spec.temporal.task_queue));
  });

  it('the upsell section appears for tiers that include it', async () => {
    const r = await push('upsell-org/web', 3, [
      addedFile('main.go', 'package main\n\nfunc main() {\n\tfmt.Println("x")\n}\n'),
    ]);
    await settled(r.head);
    assert.match(stack.sandbox.comments[0]!.body, /### AEGIS\n\nAEGIS hardens what AFA finds\./);
  });

  it('a reviewer returning garbage twice is recorded as its error; the review completes', async () => {
    fake.respondWith(() => text('I think this code is fine!'));
    const r = await push('llm-org/api', 2, [addedFile('src/x.ts', 'export function x() {\n  return 1;\n}\n')]);
    const run = await settled(r.head);
    assert.equal(run.conclusion, 'success');
    assert.match(
      run.output.summary!,
      /Reviewer errors[\s\S]*`x` \(security\): invalid output twice: no JSON object in the answer/,
    );
    assert.equal(fake.requests.length, 2, 'asked once more, then gave up');
    assert.match(fake.requests[0]!.body.messages[0].content, /<untrusted_code>\n1\+ export function x\(\) \{/);
  });

  it('a valid LLM review becomes findings at the right lines', async () => {
    fake.respondWith(() =>
      text(
        '```json\n{"score": 40, "findings": [{"severity": "critical", "line": 2, "message": "SQL injection", "suggestion": "bind parameters"}]}\n```',
      ),
    );
    const r = await push('llm-org/api', 4, [
      addedFile(
        'src/q.ts',
        'export function q(id: string) {\n  return db.query("SELECT * FROM t WHERE id=" + id);\n}\n',
      ),
    ]);
    const run = await settled(r.head);
    assert.equal(run.conclusion, 'failure');
    assert.deepEqual(
      run.output.annotations.map((a: any) => [a.path, a.start_line, a.annotation_level, a.message, a.raw_details]),
      [['src/q.ts', 2, 'failure', 'SQL injection', 'Suggestion: bind parameters']],
    );
  });

  it('a 502 and a rate limit on check-run updates are retried until the verdict is posted', async () => {
    stack.sandbox.failNext(1, 502, /^PATCH .*check-runs/);
    stack.sandbox.secondaryRateLimit(1, 2, /^PATCH .*check-runs/);
    const r = await push('octo/app', 5, [addedFile('lib/y.js', 'function y() {\n  return 2;\n}\n')]);
    const run = await settled(r.head);
    assert.equal(run.conclusion, 'success');
    assert.deepEqual(
      checkWrites()
        .map((q) => q.status)
        .slice(0, 4),
      [201, 502, 403, 200],
    );
  });

  it('a failure completes the check run with a sanitized message; the history keeps the real error', async () => {
    stack.sandbox.failNext(1, 404, /\/files$/);
    const r = await push('octo/app', 9, [addedFile('x.ts', 'function x() {}\n')]);
    let run;
    for (let i = 0; i < 200 && run?.status !== 'completed'; i++) {
      await new Promise((res) => setTimeout(res, 100));
      run = stack.sandbox.checkRuns.find((c) => c.head_sha === r.head);
    }
    assert.equal(run!.conclusion, 'failure');
    assert.equal(run!.output.title, 'AFA Gate Check — error');
    assert.match(
      run!.output.summary!,
      /^The analysis could not complete: a GitHub API call failed\. Reference: gate\/octo\/app#9\/[0-9a-f]{12}-\d+\.$/,
    );
    assert.doesNotMatch(run!.output.summary!, /http|\/repos\/|ghs_|at .*\.ts/);
    const review = stack.client.workflow.getHandle(run!.output.summary!.match(/Reference: (\S+)\.$/)![1]!);
    const err = await review.result().catch((e) => e);
    assert.match(
      String(err.cause?.cause?.message ?? err.cause?.message),
      /GitHub GET \/repos\/octo\/app\/pulls\/9\/files answered 404/,
    );
  });

  it('the monthly count is exact under concurrent reservations, and once per key', async () => {
    const { createQuotaActivities } = await import('../../activities/quota/index.js');
    const { reserveQuota } = createQuotaActivities(
      async () => stack.client,
      stack.resources.daemon.spec.temporal.task_queue,
    );
    const account = `race-${Date.now()}`;
    const month = new Date().toISOString().slice(0, 7);
    const grants = await Promise.all(
      Array.from({ length: 12 }, (_, i) => reserveQuota({ account, month, limit: 5, key: `k${i % 10}` })),
    );
    // 10 distinct keys, limit 5: exactly 5 keys are granted, and a repeated key gets its earlier answer.
    const grantedKeys = new Set(grants.flatMap((g, i) => (g.allowed ? [`k${i % 10}`] : [])));
    assert.equal(grantedKeys.size, 5);
    assert.equal(Math.max(...grants.map((g) => g.used)), 5);
    const key = [...grantedKeys][0]!;
    const again = await reserveQuota({ account, month, limit: 5, key });
    assert.deepEqual(
      again,
      grants[Number(key.slice(1))],
      'a retried reservation gets its first answer and counts once',
    );
    const other = await reserveQuota({ account, month, limit: 5, key: 'new' });
    assert.deepEqual(other, { allowed: false, used: 5, limit: 5 });
  });

  it('two pushes in quick succession give exactly one final review', async () => {
    // The first review is slowed at its listing of this pull request's files (a request no other test's
    // lingering work makes), so the second push arrives while it runs.
    stack.sandbox.secondaryRateLimit(1, 3, /^GET \/repos\/octo\/app\/pulls\/6\/files$/);
    const first = await push('octo/app', 6, [addedFile('a.rs', 'fn a() {\n    println!("1");\n}\n')]);
    // The second push comes once the first review has its check run (a head superseded before its review
    // starts is never reviewed, which is right but not this test's case).
    for (let i = 0; i < 300 && !stack.sandbox.checkRuns.some((c) => c.head_sha === first.head); i++)
      await new Promise((r) => setTimeout(r, 50));
    const second = await push('octo/app', 6, [addedFile('a.rs', 'fn a() {\n    println!("2");\n}\n')], 'synchronize');
    const run2 = await settled(second.head);
    const run1 = stack.sandbox.checkRuns.find((c) => c.head_sha === first.head)!;
    for (let i = 0; i < 100 && run1.status !== 'completed'; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(run1.conclusion, 'cancelled');
    assert.equal(run1.output.title, 'AFA Gate Check — superseded');
    assert.equal(run2.conclusion, 'success');
    assert.equal(stack.sandbox.comments.length, 1);
    assert.equal(
      stack.sandbox.requests.filter((q) => q.method === 'POST' && q.path.endsWith('/comments')).length,
      1,
      'only the newest head commented',
    );
  });
});
