// GitHub Actions, as GitHub's REST reference groups them: a workflow run's custom deployment protection
// rules (`POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule`, "Review custom
// deployment protection rules for a workflow run"). A run waits on an environment's rule until the App
// answers `approved` or `rejected` (204); the rule is then no longer pending, so a second answer for the
// same environment is GitHub's 422, as is an answer for an environment that waits on nothing. A run
// GitHub does not know is 404. A comment without a state is recorded and decides nothing.
import { HttpError, route, type Route } from './http.js';
import type { GitHubSandbox } from './server.js';

/** A protection rule's answer as the sandbox received it. */
export interface SandboxRuleAnswer {
  owner: string;
  repo: string;
  runId: number;
  environment: string;
  state?: 'approved' | 'rejected';
  comment?: string;
  user: string;
  at: number;
}

/** `owner/repo#run`, lower case (GitHub's names are case-insensitive). */
export const runKey = (owner: string, repo: string, runId: number | string) =>
  `${owner}/${repo}#${runId}`.toLowerCase();

export function actionRoutes(s: GitHubSandbox): Route[] {
  return [
    route(
      'POST',
      '/repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule',
      ({ params: [owner, repo, runId], body, token }) => {
        const pending = s.pendingRules.get(runKey(owner!, repo!, runId!));
        if (!pending) throw new HttpError(404, 'Not Found');
        const environment = String(body.environment_name);
        if (!pending.has(environment))
          throw new HttpError(422, `No pending deployment protection rule for environment ${environment}`);
        if (body.state) pending.delete(environment);
        s.ruleAnswers.push({
          owner: owner!,
          repo: repo!,
          runId: Number(runId),
          environment,
          ...(body.state ? { state: body.state } : {}),
          ...(body.comment !== undefined ? { comment: String(body.comment) } : {}),
          user: token.login,
          at: Date.now(),
        });
        return { status: 204, body: '' };
      },
    ),
  ];
}
