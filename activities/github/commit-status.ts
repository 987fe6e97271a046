// Sets a commit status: the gate check's stand-in when the token cannot create check runs
// (src/github/check-fallback.ts). GitHub takes at most 140 characters of description.
import type { Octokit } from '@octokit/rest';
import type { CommitState } from '../../src/github/check-fallback.js';
import { githubCall } from '../../src/github/failures.js';

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
  const d = input.description;
  await githubCall(() =>
    gh.repos.createCommitStatus({
      owner: input.owner,
      repo: input.repo,
      sha: input.sha,
      state: input.state,
      context: input.context,
      description: d && d.length > 140 ? `${d.slice(0, 139)}…` : d,
      target_url: input.targetUrl,
    }),
  );
}
