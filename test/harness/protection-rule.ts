// A `deployment_protection_rule` delivery (action `requested`) as GitHub sends it to the App that owns the
// rule: @octokit/webhooks-examples has no example of this event, so it is built from that package's real
// `deployment` (created) and `pull_request` (opened) payloads, with the fields GitHub's webhook reference
// (and @octokit/webhooks-types' DeploymentProtectionRuleRequestedEvent) gives the event: environment,
// event, sha, ref, deployment_callback_url, deployment, pull_requests[], repository, sender, installation.
import { example, retarget } from '../../src/fixtures/webhook-examples.js';

export function protectionRuleRequest(o: {
  /** `owner/name`. */
  repo: string;
  runId: number;
  environment: string;
  sha: string;
  /** The API origin the callback URL is on (the sandbox's; GitHub's is https://api.github.com). */
  apiOrigin: string;
  /** The pull request of the deployment's commit, when there is one. */
  pr?: { number: number; author: string };
  sender?: string;
}): Record<string, any> {
  const p = retarget(example('deployment', 'created'), o.repo);
  const pr = o.pr ? retarget(example('pull_request', 'opened'), o.repo).pull_request : undefined;
  if (pr && o.pr) {
    pr.number = o.pr.number;
    pr.user.login = o.pr.author;
    pr.head.sha = o.sha;
  }
  p.deployment.sha = o.sha;
  p.deployment.environment = o.environment;
  p.sender.login = o.sender ?? 'carol';
  return {
    action: 'requested',
    environment: o.environment,
    event: o.pr ? 'pull_request' : 'push',
    sha: o.sha,
    ref: p.deployment.ref,
    deployment_callback_url: `${o.apiOrigin}/repos/${o.repo}/actions/runs/${o.runId}/deployment_protection_rule`,
    deployment: p.deployment,
    pull_requests: pr ? [pr] : [],
    repository: p.repository,
    sender: p.sender,
    installation: { id: 4242, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0Mg==' },
  };
}
