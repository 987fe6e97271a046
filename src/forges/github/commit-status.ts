// Sets a commit status: the gate check's stand-in when the token cannot create check runs
// (src/forges/github/check-fallback.ts). GitHub takes at most 140 characters of description.
import type { Octokit } from '@octokit/rest';
import type { CommitState } from './check-fallback.js';
import { githubCall } from './failures.js';
import { fit, LIMITS } from './limits.js';

export async function setCommitStatus(
  gh: Octokit,
  input: {
    owner: string;
    repo: string;
    sha: string;
    context: string;
    state: CommitState;
    description?: string;
    targetUrl?: string;
  },
): Promise<void> {
  await githubCall(() =>
    gh.repos.createCommitStatus({
      owner: input.owner,
      repo: input.repo,
      sha: input.sha,
      state: input.state,
      context: input.context,
      description: input.description === undefined ? undefined : fit(input.description, LIMITS.statusDescription),
      target_url: input.targetUrl,
    }),
  );
}
