// GitHub activities: each is one API call, retried durably by Temporal with GitHub's own pacing.
// They run on the GitHub task queue, whose rate limit applies to all workers together.
import type { GitHubClientFor } from '../../src/github/client.js';
import { githubCall } from '../../src/github/failures.js';

export interface RepoTarget {
  owner: string;
  repo: string;
  installationId?: number;
}

export interface IssueRef extends RepoTarget {
  issueNumber: number;
}

export interface PostedComment {
  id: number;
  url: string;
}

export function createGitHubActivities(clientFor: GitHubClientFor) {
  return {
    async postComment(input: IssueRef & { body: string }): Promise<PostedComment> {
      const { data } = await githubCall(() =>
        clientFor(input).issues.createComment({ owner: input.owner, repo: input.repo, issue_number: input.issueNumber, body: input.body }),
      );
      return { id: data.id, url: data.html_url };
    },

    async updateComment(input: RepoTarget & { commentId: number; body: string }): Promise<PostedComment> {
      const { data } = await githubCall(() =>
        clientFor(input).issues.updateComment({ owner: input.owner, repo: input.repo, comment_id: input.commentId, body: input.body }),
      );
      return { id: data.id, url: data.html_url };
    },
  };
}

export type GitHubActivities = ReturnType<typeof createGitHubActivities>;
