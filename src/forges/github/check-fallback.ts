// GitHub lets only Apps create check runs; a personal access token gets 403 "You must authenticate via a
// GitHub App.". The gate check then shows as a commit status of the same name on the head commit: these
// are the pieces that workflow code and activities share.

import type { CheckConclusion } from '../port.js';

export type CommitState = 'error' | 'failure' | 'pending' | 'success';

/** Whether GitHub refused a check run because the token is not an App's. */
export const needsApp = (err: unknown) => /must authenticate via a GitHub App/i.test(String((err as Error)?.message));

/** The status a check run's state shows as: a neutral or skipped check does not block, as on GitHub. */
export function stateOf(conclusion: CheckConclusion | undefined): CommitState {
  if (!conclusion) return 'pending';
  if (conclusion === 'cancelled') return 'error';
  return ['success', 'neutral', 'skipped'].includes(conclusion) ? 'success' : 'failure';
}
