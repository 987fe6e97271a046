// GitHub lets only Apps create check runs; a personal access token gets 403 "You must authenticate via a
// GitHub App.". The gate then shows as a commit status of the same name on the head commit (no
// annotations; the PR comment carries the findings and says check runs need an App).
import type { Octokit } from '@octokit/rest';
import { githubCall } from '../../src/github/failures.js';

/** The check run id the activities return when the check is a commit status. */
export const STATUS_ONLY = -1;

export type CheckStatus = 'queued' | 'in_progress' | 'completed';
export type CheckConclusion =
  'success' | 'failure' | 'neutral' | 'cancelled' | 'skipped' | 'timed_out' | 'action_required';
type State = 'error' | 'failure' | 'pending' | 'success';

/** Whether GitHub refused a check run because the token is not an App's. */
export const needsApp = (err: unknown) => /must authenticate via a GitHub App/i.test(String((err as Error)?.message));

/** The status a check run's state shows as: a neutral or skipped check does not block, as on GitHub. */
export function stateOf(conclusion: CheckConclusion | undefined): State {
  if (!conclusion) return 'pending';
  if (conclusion === 'cancelled') return 'error';
  return ['success', 'neutral', 'skipped'].includes(conclusion) ? 'success' : 'failure';
}

export async function setCommitStatus(
  gh: Octokit,
  input: {
    owner: string;
    repo: string;
    sha: string;
    context: string;
    state: State;
    description?: string;
    targetUrl?: string;
  },
): Promise<void> {
  const description =
    input.description && input.description.length > 140 ? `${input.description.slice(0, 139)}…` : input.description;
  await githubCall(() =>
    gh.repos.createCommitStatus({
      owner: input.owner,
      repo: input.repo,
      sha: input.sha,
      state: input.state,
      context: input.context,
      description,
      target_url: input.targetUrl,
    }),
  );
}
