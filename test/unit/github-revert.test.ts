// Which pull request a merged revert names: GitHub's Revert button's description, read strictly, in the
// verified repository only, and only once merged (a real `pull_request.closed` payload, adapted).
import assert from 'node:assert/strict';
import { example, retarget } from '../../src/fixtures/webhook-examples.js';
import { githubEvent } from '../../src/forges/github/event.js';
import { revertedNumber } from '../../src/forges/github/revert.js';

const REPO = 'octo/api';

function closed(body: string, o: { merged?: boolean; ref?: string; number?: number } = {}) {
  const p = retarget(example('pull_request', 'closed'), REPO);
  p.pull_request.merged = o.merged ?? true;
  p.pull_request.body = body;
  p.pull_request.head.ref = o.ref ?? 'revert-12-feature';
  p.pull_request.number = o.number ?? 30;
  return p;
}

describe('a merged revert of a pull request', () => {
  it("reads GitHub's Revert button's pull request", () => {
    assert.equal(revertedNumber('pull_request', closed(`Reverts ${REPO}#12`), REPO), 12);
    assert.equal(revertedNumber('pull_request', closed(`Reverts ${REPO}#12\n\nbecause`), REPO), 12);
    assert.equal(revertedNumber('pull_request', closed(`Reverts OCTO/API#12`), REPO), 12);
    assert.equal(githubEvent('pull_request', closed(`Reverts ${REPO}#12`), { fullName: REPO }).reverts, 12);
  });

  it('counts only a merge', () => {
    assert.equal(revertedNumber('pull_request', closed(`Reverts ${REPO}#12`, { merged: false }), REPO), undefined);
    const opened = closed(`Reverts ${REPO}#12`);
    opened.action = 'opened';
    assert.equal(revertedNumber('pull_request', opened, REPO), undefined);
    assert.equal(revertedNumber('issues', closed(`Reverts ${REPO}#12`), REPO), undefined);
  });

  it('names a pull request of the same repository only, by a plain number', () => {
    for (const body of [
      'Reverts other/api#12',
      'Reverts octo/api-2#12',
      `Reverts ${REPO}#012`,
      `Reverts ${REPO}#12abc`,
      `Reverts ${REPO}#1e3`,
      `Reverts ${REPO}#99999999999`,
      `Reverts ${REPO}#-12`,
      `reverts ${REPO}#12`,
      ` Reverts ${REPO}#12`,
      `Please see: Reverts ${REPO}#12`,
      `Reverts ${REPO}#30`, // itself
      '',
    ])
      assert.equal(revertedNumber('pull_request', closed(body, { ref: 'x' }), REPO), undefined, body);
    assert.equal(revertedNumber('pull_request', closed(`Reverts ${REPO}#12`), undefined), undefined);
  });

  it("refuses a description the Revert button's branch contradicts", () => {
    assert.equal(
      revertedNumber('pull_request', closed(`Reverts ${REPO}#12`, { ref: 'revert-13-feature' }), REPO),
      undefined,
    );
    assert.equal(revertedNumber('pull_request', closed(`Reverts ${REPO}#12`, { ref: 'my-revert' }), REPO), 12);
  });
});
