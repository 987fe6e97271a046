// The 24-hour approval timeout and its reminders, in seconds of test time on the time-skipping server.
// Temporal is real; the GitHub activities are replaced at the activity boundary by recorders.
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { startTimeSkippingServer } from '../../src/temporal/dev-server.js';
import { workflowBundle } from '../harness/temporal.js';
import type { FlowRunInput } from '../../workflows/flow-run.js';

describe('approval timeout and reminders (time-skipping server)', function () {
  this.timeout(120_000);
  let env: TestWorkflowEnvironment;
  before(async () => (env = await startTimeSkippingServer()));
  after(async () => env?.teardown());

  it('reminds every 8 hours and expires after 24 hours, concluding the check run', async () => {
    const comments: { at: number; body: string }[] = [];
    const checks: unknown[] = [];
    let t0 = 0;
    const github = {
      async postComment(i: { body: string }) {
        comments.push({ at: (await env.currentTimeMs()) - t0, body: i.body });
        return { id: comments.length, url: '' };
      },
      async createCheckRun() {
        return { id: 7, url: '' };
      },
      async updateCheckRun(i: unknown) {
        checks.push(i);
      },
    };
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'timeouts',
      workflowBundle: await workflowBundle(),
      activities: github,
    });
    const input: FlowRunInput = {
      flow: 'deploy',
      spec: {
        nodes: [
          { id: 'start', type: 'approval', config: { reminder: '8h' } },
          { id: 'stopped', type: 'end', config: { status: 'expired' } },
        ],
        connections: [{ from: 'start', to: 'stopped' }],
      },
      metadata: { repo_full_name: 'o/r', sender_login: 'carol' },
      data: {},
      params: { approvers: ['alice'], environment: 'production', lock: false },
      scope: { owner: 'o', repo: 'r', number: 1, isPullRequest: true, headSha: 'c'.repeat(40), checkRunIds: [] },
      githubTaskQueue: 'timeouts',
      agents: {},
      fleets: {},
      tokenBudget: 1000,
      modelTurnTimeoutSecs: 10,
    };
    const result = await worker.runUntil(async () => {
      t0 = await env.currentTimeMs();
      return env.client.workflow.execute('flowRunWorkflow', {
        workflowId: 'timeout-test',
        taskQueue: 'timeouts',
        args: [input],
      });
    });
    assert.equal(result.status, 'expired');
    assert.equal(result.approval.decision, 'expired');
    const hours = (ms: number) => Math.round(ms / 3600_000);
    const reminders = comments.filter((c) => c.body.startsWith('Reminder:'));
    assert.deepEqual(
      reminders.map((c) => hours(c.at)),
      [8, 16],
    );
    const expiry = comments.find((c) => c.body.includes('expired after 24 h'))!;
    assert.equal(hours(expiry.at), 24);
    assert.deepEqual(checks.at(-1), {
      owner: 'o',
      repo: 'r',
      checkRunId: 7,
      // A check shown as a commit status (GitLab's, a token without an App) is named by its commit and name.
      headSha: 'c'.repeat(40),
      name: 'deploy production',
      conclusion: 'timed_out',
      output: { title: 'deploy production: approval expired', summary: 'deploy production: approval expired' },
    });
  });
});
