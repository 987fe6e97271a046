// GitHub activities: each is one API call, retried durably by Temporal with GitHub's own pacing.
// They run on the GitHub task queue, whose rate limit applies to all workers together.
import type { GitHubClientFor } from '../../src/github/client.js';
import { githubCall } from '../../src/github/failures.js';

export interface IssueRef {
  owner: string;
  repo: string;
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
        clientFor(input.owner).issues.createComment({ owner: input.owner, repo: input.repo, issue_number: input.issueNumber, body: input.body }),
      );
      return { id: data.id, url: data.html_url };
    },

    async updateComment(input: { owner: string; repo: string; commentId: number; body: string }): Promise<PostedComment> {
      const { data } = await githubCall(() =>
        clientFor(input.owner).issues.updateComment({ owner: input.owner, repo: input.repo, comment_id: input.commentId, body: input.body }),
      );
      return { id: data.id, url: data.html_url };
    },
  };
}

export type GitHubActivities = ReturnType<typeof createGitHubActivities>;
