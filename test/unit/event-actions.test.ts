// The table of events and actions covers every event and action of GitHub's own examples and of the
// AOF reference's tables, so a valid trigger is never refused.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { EVENT_ACTIONS } from '../../src/config/event-actions.js';

const require = createRequire(import.meta.url);

describe('event actions table', () => {
  it('holds every event and action of @octokit/webhooks-examples', () => {
    const groups = require('@octokit/webhooks-examples') as { name: string; actions: string[] }[];
    for (const g of groups) {
      assert.ok(EVENT_ACTIONS[g.name], g.name);
      for (const a of g.actions) assert.ok(EVENT_ACTIONS[g.name]!.includes(a), `${g.name}.${a}`);
    }
  });

  it("holds the reference's documented actions", () => {
    const documented: Record<string, string[]> = {
      pull_request: [
        'opened',
        'synchronize',
        'reopened',
        'closed',
        'edited',
        'labeled',
        'unlabeled',
        'assigned',
        'unassigned',
        'review_requested',
        'ready_for_review',
        'converted_to_draft',
      ],
      issues: [
        'opened',
        'edited',
        'closed',
        'reopened',
        'labeled',
        'unlabeled',
        'assigned',
        'unassigned',
        'milestoned',
        'demilestoned',
        'pinned',
        'unpinned',
        'locked',
        'unlocked',
      ],
      issue_comment: ['created', 'edited', 'deleted'],
      pull_request_review_comment: ['created', 'edited', 'deleted'],
      pull_request_review: ['submitted', 'edited', 'dismissed'],
      workflow_run: ['requested', 'in_progress', 'completed'],
      check_run: ['created', 'completed', 'rerequested'],
      check_suite: ['completed', 'requested'],
      release: ['published', 'created', 'edited'],
      star: ['created', 'deleted'],
      watch: ['started'],
      push: [],
      create: [],
      delete: [],
      fork: [],
    };
    for (const [event, actions] of Object.entries(documented)) {
      assert.ok(EVENT_ACTIONS[event], event);
      for (const a of actions) assert.ok(EVENT_ACTIONS[event]!.includes(a), `${event}.${a}`);
    }
  });
});
