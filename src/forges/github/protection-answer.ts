// The App's answer to a custom deployment protection rule: `POST /repos/{owner}/{repo}/actions/runs/
// {run_id}/deployment_protection_rule` on the configured GitHub API (the client's base URL; the path is
// built from the verified repository and the run id, never taken from a payload). GitHub takes one answer
// per rule: once a rule is approved or rejected it no longer waits, and another answer is a 422. So a
// retried answer whose first attempt landed (the worker died, or GitHub's reply was lost) meets that 422,
// and the answer stands as given: at most one answer reaches GitHub however often the activity runs.
import type { Octokit } from '@octokit/rest';
import { toActivityFailure } from './failures.js';
import { currentOperation } from '../operation.js';
import type { ForgeTarget, ProtectionAnswer, ProtectionAnswered } from '../port.js';

/** GitHub's limit is not published; the comment shows in the run's log, so it is kept short. */
export const RULE_COMMENT_MAX = 1000;

export async function answerProtectionRule(
  gh: Octokit,
  t: ForgeTarget,
  a: ProtectionAnswer,
): Promise<ProtectionAnswered> {
  const op = currentOperation();
  try {
    await gh.request('POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule', {
      owner: t.owner,
      repo: t.repo,
      run_id: a.runId,
      environment_name: a.environment,
      state: a.state,
      comment: a.comment.slice(0, RULE_COMMENT_MAX),
    });
    return { answered: true };
  } catch (err) {
    if ((err as { status?: number }).status !== 422) throw toActivityFailure(err);
    const said = String((err as { response?: { data?: { message?: unknown } } }).response?.data?.message ?? '');
    // On a retry the rule no longer waiting is, but for a run cancelled meanwhile, the earlier attempt's
    // answer taken; on a first attempt nothing of ours was.
    return op.retry
      ? { answered: true, note: `taken by an earlier attempt (GitHub now says: ${said.slice(0, 200)})` }
      : {
          answered: false,
          note: `GitHub took no answer: ${said.slice(0, 200) || 'no rule waits for this environment'}`,
        };
  }
}
