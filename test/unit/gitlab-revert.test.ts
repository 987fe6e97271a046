// Which merge request a merged revert names: GitLab's Revert button's description (`This reverts merge
// request !N`), read strictly, in the verified project only, and only once merged (GitLab's documented
// Merge Request Hook example, src/forges/gitlab/examples, with the revert's description and branch).
import assert from 'node:assert/strict';
import { gitlabExample } from '../../src/forges/gitlab/examples/index.js';
import { gitlabForgeEvent } from '../../src/forges/gitlab/event.js';
import { revertedMergeRequest } from '../../src/forges/gitlab/revert.js';
import { normalizeGitLabEvent } from '../../src/forges/gitlab/webhook.js';

const PROJECT = 'gitlab-org/gitlab-test'; // the examples' project

/** GitLab's Merge Request Hook `name` of MR !30 with `description`, from the branch the Revert button makes. */
function hook(description: unknown, name = 'merge_request.merge') {
  const p = gitlabExample(name);
  Object.assign(p.object_attributes, { iid: 30, description, source_branch: 'revert-3656b5db' });
  return p;
}

const reverts = (description: unknown, name?: string) =>
  gitlabForgeEvent(normalizeGitLabEvent('Merge Request Hook', hook(description, name))).reverts;

describe('GitLab: a merged revert of a merge request', () => {
  it("reads the Revert button's merge request, once merged", () => {
    assert.equal(reverts('This reverts merge request !12'), 12);
    assert.equal(reverts('This reverts merge request !12\n\nbecause it broke the build'), 12);
    assert.equal(reverts(`This reverts merge request ${PROJECT}!12`), 12);
    assert.equal(reverts(`This reverts merge request GitLab-Org/GitLab-Test!12`), 12);
    assert.equal(reverts('This reverts merge request !2147483647'), 2147483647);
  });

  it('counts only a merge', () => {
    for (const name of ['merge_request.open', 'merge_request.close', 'merge_request.update.edit'])
      assert.equal(reverts('This reverts merge request !12', name), undefined, name);
    assert.equal(
      revertedMergeRequest({ action: 'approved', iid: 30, description: 'This reverts merge request !12' }, PROJECT),
      undefined,
    );
  });

  it('names a merge request of the same project only, by a plain iid', () => {
    for (const description of [
      'This reverts merge request other/project!12',
      'This reverts merge request gitlab-org/gitlab-test-2!12',
      'This reverts merge request gitlab-test!12', // the short form names a project of the namespace: not read
      'This reverts merge request !012',
      'This reverts merge request !12abc',
      'This reverts merge request !1e3',
      'This reverts merge request !2147483648',
      'This reverts merge request !99999999999',
      'This reverts merge request !-12',
      'This reverts merge request #12',
      'this reverts merge request !12',
      ' This reverts merge request !12',
      'Please see: This reverts merge request !12',
      'This reverts commit da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
      'This reverts merge request !30', // itself
      '',
      null,
      12,
    ])
      assert.equal(reverts(description), undefined, String(description));
  });
});
