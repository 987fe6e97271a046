// The built-in triager (no key) on real issues.opened payloads: labels through the sandbox, and a
// request for what a bug report is missing, through the same durable tool loop as an LLM.
import { rendered } from '../../src/sandbox/github/server.js';
import assert from 'node:assert/strict';
import { examples } from '../../src/fixtures/webhook-examples.js';
import { classify } from '../../activities/llm/builtin/issue-triager.js';
import { startStack, TEST_SECRET, type Stack } from '../harness/stack.js';
import { resolve } from 'node:path';

describe('issue triage with the built-in model', function () {
  let stack: Stack;
  before(async () => {
    // The shipped configuration, as `npm start` runs it, with its variables pointed at the test's parts.
    process.env.GITHUB_WEBHOOK_SECRET = TEST_SECRET;
    process.env.GITHUB_TOKEN = 'ghs_test_installation_token';
    stack = await startStack({ config: resolve(import.meta.dirname, '../../daemon.yaml') });
  });
  after(async () => stack?.stop());
  beforeEach(() => stack.sandbox.reset());

  it('labels every real issues.opened payload by type, priority and component', async () => {
    const payloads = examples('issues', 'opened');
    assert.ok(payloads.length > 0);
    for (const p of payloads) {
      const r = await stack.send('issues', p);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      await stack.client.workflow.getHandle(r.body.workflowId).result();
      const labels = [...(stack.sandbox.labels.get(`${p.repository.full_name}#${p.issue.number}`) ?? [])];
      const c = classify(p.issue.title, p.issue.body ?? '');
      assert.deepEqual(labels, [
        c.type,
        `priority:${c.priority}`,
        ...(c.component ? [`component:${c.component}`] : []),
      ]);
    }
  });

  it('asks for what a bug report is missing, once, in the run’s one comment', async () => {
    const p = examples('issues', 'opened')[0]!;
    p.issue.title = 'Login page crashes with an exception';
    p.issue.body = 'Clicking the login button crashes the page.';
    const r = await stack.send('issues', p);
    const result = await stack.client.workflow.getHandle(r.body.workflowId).result();
    const labels = [...stack.sandbox.labels.get(`${p.repository.full_name}#${p.issue.number}`)!];
    assert.deepEqual(labels, ['bug', 'priority:critical', 'component:frontend']);
    const comments = stack.sandbox.commentsOn(p.repository.owner.login, p.repository.name, p.issue.number);
    assert.equal(comments.length, 1);
    assert.match(comments[0]!.body, /we need steps to reproduce, the expected behaviour, the version you are running/);
    assert.match(result.agent!.answer, /\n\nTriaged as bug, priority:critical, component:frontend\.$/);
    assert.equal(
      rendered(comments[0]!.body),
      result.agent!.answer,
      'the final answer replaced the question in place, repeating it',
    );
  });

  it('classifies by keywords', () => {
    assert.deepEqual(classify('Add dark mode', 'It would be nice to support a dark theme in the UI'), {
      type: 'enhancement',
      priority: 'low',
      component: 'frontend',
      missing: [],
    });
    assert.equal(classify('Typo in README', '').type, 'documentation');
    assert.equal(classify('SQL query fails on v2.1', 'Steps to reproduce: run it. Expected: rows.').priority, 'medium');
    assert.equal(classify('Security: token leaked in logs', '').priority, 'critical');
  });
});
