// GitHub activities: each is one API call, retried durably by Temporal with GitHub's own pacing.
// They run on the GitHub task queue, whose rate limit applies to all workers together.
import type { GitHubClientFor } from '../../src/github/client.js';
import { githubCall } from '../../src/github/failures.js';
import { createRunTool } from './run-tool.js';

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

export interface PullFile {
  filename: string;
  status: string;
  additions: number;
  deletions: number;
  patch?: string;
}

export function createGitHubActivities(clientFor: GitHubClientFor) {
  return {
    runTool: createRunTool(clientFor),

    /** Changed files of a pull request with their patches, up to `maxPages` pages of 100. */
    async listPullFiles(input: RepoTarget & { pullNumber: number; maxPages: number }): Promise<{ files: PullFile[]; truncated: boolean }> {
      const files: PullFile[] = [];
      for (let page = 1; page <= input.maxPages; page++) {
        const { data } = await githubCall(() => clientFor(input).pulls.listFiles({ owner: input.owner, repo: input.repo, pull_number: input.pullNumber, per_page: 100, page }));
        files.push(...data.map((f) => ({ filename: f.filename, status: f.status, additions: f.additions, deletions: f.deletions, patch: f.patch })));
        if (data.length < 100) return { files, truncated: false };
      }
      return { files, truncated: true };
    },

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
