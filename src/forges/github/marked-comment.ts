// Finding the gate's one PR comment (the bot's comment carrying a hidden marker) without a request of its
// own: the PR's comments ride along in the analysis's first GraphQL query, and the comment's id goes to the
// write, which then needs no lookup. Only the bot's comments count: anyone can paste the marker.
import type { Octokit } from '@octokit/rest';
import { clientLogin } from './identity.js';
import { isBotLogin } from '../../routing/bots.js';

/**
 * Whether a comment is the bot's own: written by the login this client acts as (learnt from GitHub, or
 * `me` when the caller already knows it). When GitHub does not say who that is, no comment is taken for
 * the bot's: another account that pasted the marker is never edited.
 */
export async function authoredByBot(
  gh: Octokit,
  user: { login?: string; type?: string } | null | undefined,
  me?: string,
): Promise<boolean> {
  const login = me ?? (await clientLogin(gh));
  return login !== undefined && isBotLogin(user?.login, login);
}

/** The GraphQL fields that list a PR's first 100 comments (variable `$pr: Int!`) and name the bot. */
export const commentsAlong = (pullNumber: number) => ({
  field:
    'pr: pullRequest(number: $pr) { comments(first: 100) { totalCount nodes { databaseId body author { __typename login } } } }',
  top: 'me: viewer { login }',
  declare: '$pr: Int!',
  variables: { pr: pullNumber },
});

interface CommentsAnswer {
  comments: {
    totalCount: number;
    nodes:
      | ({ databaseId: number | null; body: string; author: { __typename: string; login: string } | null } | null)[]
      | null;
  };
}

/**
 * The id of the bot's comment carrying `marker`, null when there is none, undefined when the answer
 * cannot say (no answer, or more comments than one page holds).
 */
export async function markedCommentIn(
  answer: unknown,
  marker: string,
  gh: Octokit,
): Promise<number | null | undefined> {
  const along = answer as { field?: CommentsAnswer | null; top?: { login?: string } | null } | undefined;
  const comments = along?.field?.comments;
  // GraphQL's viewer names the bot (an installation token cannot ask REST's /user).
  const me = along?.top?.login ?? undefined;
  // GitHub's schema lets the list and each of its nodes be null: then the answer cannot say.
  if (!comments || !Array.isArray(comments.nodes) || comments.totalCount > comments.nodes.length) return undefined;
  for (const c of comments.nodes) {
    if (!c) return undefined;
    const user = c.author ? { login: c.author.login, type: c.author.__typename } : null;
    if (
      c.databaseId != null &&
      typeof c.body === 'string' &&
      c.body.includes(marker) &&
      (await authoredByBot(gh, user, me))
    )
      return c.databaseId;
  }
  return null;
}
