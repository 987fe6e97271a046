// The gate's comment found in the analysis's GraphQL answer (issue 23, item 5): GitHub's schema lets the
// comment list and each of its nodes be null, and such an answer cannot say whether the comment exists.
import assert from 'node:assert/strict';
import type { Octokit } from '@octokit/rest';
import { markedCommentIn } from '../../src/forges/github/marked-comment.js';

const MARKER = '<!-- aof-gate-check -->';
/** Never asked: the answer's `viewer` names the bot. */
const gh = {} as Octokit;
const answer = (nodes: unknown, totalCount = Array.isArray(nodes) ? nodes.length : 0) => ({
  field: { comments: { totalCount, nodes } },
  top: { login: 'aofbot[bot]' },
});
const mine = { databaseId: 11, body: `${MARKER}\nverdict`, author: { __typename: 'Bot', login: 'aofbot' } };

describe('the gate comment in a GraphQL answer', () => {
  it("finds the bot's comment, and says none when there is none", async () => {
    assert.equal(await markedCommentIn(answer([mine]), MARKER, gh), 11);
    assert.equal(await markedCommentIn(answer([{ ...mine, body: 'other' }]), MARKER, gh), null);
  });

  it('a null list, a null node, a null author or id: cannot say, or not the bot’s, never a throw', async () => {
    assert.equal(await markedCommentIn(answer(null, 1), MARKER, gh), undefined);
    assert.equal(await markedCommentIn(answer(null, 0), MARKER, gh), undefined);
    assert.equal(await markedCommentIn(answer([null, mine]), MARKER, gh), undefined);
    assert.equal(await markedCommentIn({ field: { comments: null }, top: null }, MARKER, gh), undefined);
    assert.equal(await markedCommentIn({ field: null }, MARKER, gh), undefined);
    assert.equal(await markedCommentIn(undefined, MARKER, gh), undefined);
    assert.equal(await markedCommentIn(answer([{ ...mine, author: null }]), MARKER, gh), null);
    assert.equal(await markedCommentIn(answer([{ ...mine, databaseId: null }]), MARKER, gh), null);
  });
});
