import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { jsonSchemas } from '../../src/config/json-schemas.js';
import { example } from '../../src/fixtures/webhook-examples.js';
import { computeMetadata } from '../../src/routing/metadata.js';
import { renderTemplate, templateVariables } from '../../src/routing/template.js';

const root = resolve(import.meta.dirname, '../..');

describe('JSON Schemas for editors', () => {
  it('schemas/*.json are current with the zod schemas (run `npm run schemas` after a change)', () => {
    for (const [kind, schema] of Object.entries(jsonSchemas())) {
      const file = JSON.parse(readFileSync(resolve(root, `schemas/${kind}.json`), 'utf8'));
      assert.deepEqual(file, JSON.parse(JSON.stringify(schema)), `schemas/${kind}.json is stale`);
    }
  });

  it('the shipped examples point editors at them', () => {
    for (const f of [
      'daemon.yaml',
      'triggers/pr-gate.yaml',
      'agents/code-reviewer.yaml',
      'gates/afa.yaml',
      'fleets/review-fleet.yaml',
    ]) {
      assert.match(
        readFileSync(resolve(root, f), 'utf8'),
        /^# yaml-language-server: \$schema=\.\.?\/schemas\/\w+\.json$/m,
        f,
      );
    }
  });
});

describe('metadata templates', () => {
  it('renders the reference’s pull request variables from a real payload', () => {
    const p = example('pull_request', 'opened');
    const m = computeMetadata('pull_request', p);
    const text =
      'PR #{{ metadata.pr_number }} in {{metadata.repo_full_name}}: {{ metadata.pr_base_ref }} <- {{ metadata.pr_head_ref }} at {{ metadata.pr_head_sha }} (+{{ metadata.pr_additions }} -{{ metadata.pr_deletions }})';
    assert.equal(
      renderTemplate(text, m),
      `PR #${p.pull_request.number} in ${p.repository.full_name}: ${p.pull_request.base.ref} <- ${p.pull_request.head.ref} at ${p.pull_request.head.sha} (+${p.pull_request.additions} -${p.pull_request.deletions})`,
    );
    assert.deepEqual(templateVariables(text), [
      'pr_number',
      'repo_full_name',
      'pr_base_ref',
      'pr_head_ref',
      'pr_head_sha',
      'pr_additions',
      'pr_deletions',
    ]);
  });

  it('push, issue and comment variables', () => {
    const push = computeMetadata('push', example('push'));
    assert.equal(push.ref, example('push').ref);
    assert.equal(push.commit_count, example('push').commits.length);
    const c = example('issue_comment', 'created');
    const m = computeMetadata('issue_comment', c);
    assert.equal(m.comment_id, c.comment.id);
    assert.equal(m.comment_body, c.comment.body);
    assert.equal(m.issue_number, c.issue.number);
  });

  it('a variable that does not apply to the event renders empty (unknown ones fail validation)', () => {
    assert.equal(
      renderTemplate('[{{ metadata.pr_number }}]', computeMetadata('issues', example('issues', 'opened'))),
      '[]',
    );
  });
});
