// `aofctl mcp` end to end: the MCP server over real HTTP, reached with the SDK's own client and streamable
// HTTP transport, reading a real gate run and a real deploy flow on the shared Temporal dev server (the
// ingress, worker and GitHub sandbox of the usual stack), with one token per organization.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { gateWorkflowId } from '../../src/ingress/dispatch.js';
import { daemonYaml, triggerYaml, GITHUB_TEST_PLATFORM } from '../harness/config-dir.js';
import { deployFlow, pullRequests, startDeployHook } from '../harness/deploy-hook.js';
import { startMcpEndpoint } from '../harness/mcp-endpoint.js';
import { startStackFor, type Stack } from '../harness/stack.js';
import { addedFile, sendPull, tsFunctions } from '../harness/synthetic-pr.js';
import { until } from '../harness/until.js';

const TOKEN_A = `mcp-token-a-${randomUUID()}`;
const TOKEN_B = `mcp-token-b-${randomUUID()}`;

describe('aofctl mcp: the daemon as an MCP server', function () {
  this.timeout(120_000);
  const run = randomUUID().slice(0, 6);
  let stack: Stack;
  let mcp: Awaited<ReturnType<typeof startMcpEndpoint>>;
  let url: URL;
  let hook: Awaited<ReturnType<typeof startDeployHook>>;
  const logged: string[] = [];

  before(async () => {
    process.env.AOF_TEST_MCP_TOKEN_A = TOKEN_A;
    process.env.AOF_TEST_MCP_TOKEN_B = TOKEN_B;
    hook = await startDeployHook();
    stack = await startStackFor({
      'daemon.yaml': daemonYaml(
        GITHUB_TEST_PLATFORM,
        '  gates: {directory: gates}\n  flows: {directory: flows}\n' +
          '  mcp:\n    tokens:\n      - {organization: mcp-org, token_env: AOF_TEST_MCP_TOKEN_A}\n' +
          '      - {organization: other-org, forge: github, token_env: AOF_TEST_MCP_TOKEN_B}\n',
      ),
      'gates/g.yaml': 'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: afa}\nspec:\n  title: AFA\n',
      'flows/f.yaml': deployFlow(hook.url),
      'triggers/t.yaml': triggerYaml(
        'mcp',
        'config:\n  github_events: [pull_request, issue_comment]\ncommands:\n  pull_request.opened: {gate: afa}\n  /review: {gate: afa}\n' +
          '  /deploy production:\n    flow: deploy-prod\n    params: {require_approval: true, approvers: [alice, mcp-org/sre], environment: production}',
      ),
    });
    const sink = new Writable({
      write(chunk: Buffer, _e, done) {
        logged.push(chunk.toString('utf8'));
        done();
      },
    });
    mcp = await startMcpEndpoint(stack, pino({ level: 'debug' }, sink));
    url = mcp.url;
  });
  after(async () => {
    await mcp?.close();
    hook?.close();
    await stack?.stop();
  });

  const connect = (token: string) => mcp.connect(token);
  const call = (...a: Parameters<typeof mcp.call>) => mcp.call(...a);

  it('lists its three tools to a client with an organization token', async () => {
    const client = await connect(TOKEN_A);
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['deploy_requests', 'gate_findings', 'request_review']);
    const findings = tools.find((t) => t.name === 'gate_findings')!;
    assert.deepEqual(findings.inputSchema.required, ['repository', 'number']);
  });

  it('answers 401 without a token or with a wrong one, echoing and logging no token', async () => {
    const wrong = `${TOKEN_A.slice(0, -4)}beef`;
    const tries: Record<string, string>[] = [{}, { Authorization: `Bearer ${wrong}` }, { Authorization: TOKEN_A }];
    for (const headers of tries) {
      const r = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      const text = await r.text();
      assert.equal(r.status, 401, text);
      assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/);
      assert.match(text, /unauthorized/);
      assert.ok(!text.includes(wrong) && !text.includes(TOKEN_A));
    }
    // The SDK's client is refused as well.
    await assert.rejects(connect(wrong), /401|unauthorized/i);
    const log = logged.join('');
    assert.match(log, /without a valid organization token/);
    assert.ok(!log.includes(wrong) && !log.includes(TOKEN_A) && !log.includes(TOKEN_B));
  });

  it("gate_findings gives a real gate run's verdict; request_review asks for one more review, once per head", async () => {
    const repo = `mcp-org/app-${run}`;
    const { head } = await sendPull(stack, repo, 7, [addedFile('src/a.ts', tsFunctions(3))]);
    const client = await connect(TOKEN_A);
    let r = await call(client, 'gate_findings', { repository: repo, number: 7 });
    await until('the verdict of the first review', async () => {
      r = await call(client, 'gate_findings', { repository: repo, number: 7 });
      return r.structuredContent?.verdict !== undefined;
    });
    const v = r.structuredContent.verdict;
    assert.equal(r.isError, undefined);
    assert.equal(v.headSha, head);
    assert.equal(v.conclusion, 'success');
    assert.equal(v.findingsTotal, 3);
    assert.deepEqual(
      v.findings.map((f: any) => [f.path, f.line, f.severity, f.reviewer, f.function, f.message]),
      [0, 1, 2].map((i) => ['src/a.ts', 2 + 5 * i, 'low', 'maintainability', `f${i}`, 'Debug output left in']),
    );
    assert.deepEqual(
      v.coverage.reviewed,
      [0, 1, 2].map((i) => ({ path: 'src/a.ts', name: `f${i}` })),
    );
    assert.equal(v.coverage.reusedTotal, 0);
    assert.equal(r.structuredContent.reviews, 1);
    assert.match(r.content[0]!.text, /^AFA gate on .*#7 \(running\): success at [0-9a-f]{12}, 3 finding\(s\)\./);
    assert.match(r.content[0]!.text, /- src\/a\.ts:2 \[low, maintainability\] in f0: Debug output left in/);

    // A review of the same head again, as `/review` asks: a second check run, and the reused functions.
    const asked = await call(client, 'request_review', { repository: repo, number: 7, head_sha: head });
    assert.equal(asked.structuredContent.status, 'requested', asked.content[0]!.text);
    await until('the second review', async () => {
      r = await call(client, 'gate_findings', { repository: repo, number: 7 });
      return r.structuredContent.reviews === 2 && r.structuredContent.reviewing === undefined;
    });
    const runs = stack.sandbox.checkRuns.filter((c) => c.head_sha === head);
    assert.equal(runs.length, 2);
    assert.ok(runs.every((c) => c.status === 'completed'));
    assert.equal(r.structuredContent.verdict.coverage.reusedTotal, 3);
    // The same head again: the gate counts the request's key once, so no third review is queued.
    await call(client, 'request_review', { repository: repo, number: 7, head_sha: head });
    r = await call(client, 'gate_findings', { repository: repo, number: 7 });
    assert.deepEqual([r.structuredContent.reviews, r.structuredContent.requestPending], [2, false]);
    assert.equal(r.structuredContent.reviewing, undefined);

    // A gate that has ended starts again with the input it had.
    await stack.client.workflow.getHandle(gateWorkflowId(repo, 7)).terminate('test: the gate ended');
    r = await call(client, 'gate_findings', { repository: repo, number: 7 });
    assert.equal(r.structuredContent.gateStatus, 'ended');
    assert.equal(r.structuredContent.verdict.headSha, head);
    const again = await call(client, 'request_review', { repository: repo, number: 7 });
    assert.deepEqual([again.structuredContent.status, again.structuredContent.gateWasRunning], ['requested', false]);
    await until('a review by the restarted gate', () =>
      Promise.resolve(
        stack.sandbox.checkRuns.filter((c) => c.head_sha === head && c.status === 'completed').length === 3,
      ),
    );
  });

  it("a token reaches its own organization's pull requests only", async () => {
    const repo = `mcp-org/private-${run}`;
    await sendPull(stack, repo, 3, [addedFile('src/s.ts', tsFunctions(1))]);
    const own = await connect(TOKEN_A);
    await until('the gate of the private repository', async () => {
      const r = await call(own, 'gate_findings', { repository: repo, number: 3 });
      return r.structuredContent?.verdict !== undefined;
    });
    const other = await connect(TOKEN_B);
    for (const tool of ['gate_findings', 'deploy_requests', 'request_review']) {
      const r = await call(other, tool, { repository: repo, number: 3 });
      assert.equal(r.isError, true, tool);
      assert.equal(r.structuredContent, undefined);
      assert.equal(
        r.content[0]!.text,
        `this token is for the github organization other-org; ${repo} is not one of its repositories`,
      );
    }
    // Not by spelling the owner differently, nor by a path that only starts with it.
    for (const repository of [`MCP-ORG/private-${run}`, `other-org/../${repo}`, `other-orgx/private-${run}`]) {
      const r = await call(other, 'gate_findings', { repository, number: 3 });
      assert.equal(r.isError, true, repository);
    }
    // And no review was requested on its behalf.
    const mine = await call(own, 'gate_findings', { repository: repo, number: 3 });
    assert.deepEqual([mine.structuredContent.reviews, mine.structuredContent.requestPending], [1, false]);
    assert.equal(mine.structuredContent.reviewing, undefined);
  });

  it('deploy_requests shows a deploy waiting for approval and the lock another deploy holds', async () => {
    const repo = `mcp-org/svc-${run}`;
    const prs = pullRequests(stack, repo, 20);
    for (const u of ['alice', 'carol', 'octocat']) stack.sandbox.permissions.set(`${repo}:${u}`, 'write');
    const bodies = () => stack.sandbox.comments.map((c) => c.body);
    const requested = async (pr: { number: number; author: string; sha: string }) => {
      const r = await stack.send('issue_comment', prs.comment(pr, '/deploy production', 'carol'));
      assert.equal(r.status, 201, JSON.stringify(r.body));
      await until('the plan comment', () =>
        stack.sandbox.comments.some(
          (c) =>
            c.repo === repo.split('/')[1] &&
            c.issueNumber === pr.number &&
            c.body.includes('Deploy to `production` requested by @carol'),
        ),
      );
    };
    // A deploys (its hook holds the answer, so A holds the production lock); B waits for approval.
    const a = prs.open();
    await requested(a);
    const release = hook.hold();
    try {
      await stack.send('issue_comment', prs.comment(a, '/approve', 'alice'));
      await until('A deploying', () => hook.calls.some((c) => c.path === '/deploy/production'), {
        detail: () => JSON.stringify(bodies()),
      });
      const b = prs.open();
      await requested(b);
      const client = await connect(TOKEN_A);
      let r = await call(client, 'deploy_requests', { repository: repo, number: b.number });
      await until("B's wait and A's lock", async () => {
        r = await call(client, 'deploy_requests', { repository: repo, number: b.number });
        return r.structuredContent?.waiting.length === 1 && r.structuredContent.locks.length === 1;
      });
      const w = r.structuredContent.waiting[0];
      assert.deepEqual(
        [w.environment, w.approvers, w.minApprovers, w.approvedBy, w.requestedBy, w.headSha],
        ['production', ['alice', 'mcp-org/sre'], 1, [], 'carol', b.sha],
      );
      assert.ok(!Number.isNaN(Date.parse(w.since)));
      assert.deepEqual(r.structuredContent.locks, [
        {
          environment: 'production',
          holder: `#${a.number}`,
          queue: [{ position: 0, label: `#${a.number}`, thisPullRequest: false }],
          queueTotal: 1,
        },
      ]);
      assert.match(r.content[0]!.text, /- production: waiting since .* for 1 approval\(s\) from @alice, @mcp-org\/sre/);
      // A's own view: nothing waits, and it holds the lock.
      const ra = await call(client, 'deploy_requests', { repository: repo, number: a.number });
      assert.deepEqual(ra.structuredContent.waiting, []);
      assert.equal(ra.structuredContent.locks[0].queue[0].thisPullRequest, true);
    } finally {
      release();
    }
  });
});
