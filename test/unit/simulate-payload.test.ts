// `aofctl simulate` options put the chosen values where GitHub would: comment, sender, number, PR.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulatedPayload } from '../../src/cli/simulate-payload.js';
import { commandLine } from '../../src/forges/github/event.js';

describe('simulate payloads', () => {
  it('a PR comment by a chosen sender with a chosen body and number', () => {
    const p = simulatedPayload({
      event: 'issue_comment',
      action: 'created',
      pr: true,
      number: 7,
      body: '/deploy production',
      sender: 'octocat',
    });
    assert.equal(p.comment.body, '/deploy production');
    assert.equal(p.sender.login, 'octocat');
    assert.equal(p.comment.user.login, 'octocat');
    assert.equal(p.issue.number, 7);
    assert.match(p.issue.pull_request.url, /\/pulls\/7$/);
    assert.equal(commandLine('issue_comment', p), '/deploy production');
  });

  it('without --pr an issue comment stays on an issue', () => {
    const p = simulatedPayload({ event: 'issue_comment', action: 'created', body: 'hello' });
    assert.equal(p.issue.pull_request, undefined);
  });

  it('a pull request number', () => {
    const p = simulatedPayload({ event: 'pull_request', action: 'opened', number: 12 });
    assert.equal(p.pull_request.number, 12);
    assert.equal(p.number, 12);
  });

  it('a payload file, with the options applied on top', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'aof-sim-')), 'p.json');
    writeFileSync(file, JSON.stringify({ action: 'created', issue: { number: 3 }, comment: { body: 'x' } }));
    const p = simulatedPayload({ event: 'issue_comment', payloadFile: file, body: '/review', pr: true });
    assert.equal(p.comment.body, '/review');
    assert.ok(p.issue.pull_request);
  });

  it("a deployment protection rule's request: on the daemon's GitHub API, for the pull request --number names", () => {
    const p = simulatedPayload({ event: 'deployment_protection_rule', number: 2, apiUrl: 'http://127.0.0.1:9/' });
    assert.match(
      p.deployment_callback_url,
      /^http:\/\/127\.0\.0\.1:9\/repos\/Codertocat\/Hello-World\/actions\/runs\/\d+\/deployment_protection_rule$/,
    );
    assert.deepEqual(
      [p.action, p.environment, p.pull_requests.map((x: { number: number }) => x.number), p.deployment.sha],
      ['requested', 'production', [2], p.sha],
    );
    assert.deepEqual(simulatedPayload({ event: 'deployment_protection_rule' }).pull_requests, []);
  });

  it('options that do not fit the event are refused with the reason', () => {
    assert.throws(() => simulatedPayload({ event: 'push', body: '/review' }), /--body sets a comment's text/);
    assert.throws(() => simulatedPayload({ event: 'push', pr: true }), /--pr applies to events about an issue/);
    assert.throws(() => simulatedPayload({ event: 'push', payloadFile: '/nonexistent.json' }), /cannot read/);
  });
});
