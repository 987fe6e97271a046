// A custom deployment protection rule's request (GitHub's `deployment_protection_rule` event, action
// `requested`): the Actions run waiting, the environment it waits on, and where the answer goes. The
// answer is `POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule` on the GitHub API
// the configuration names (platforms.github.api_url): the payload's deployment_callback_url is that
// endpoint, and is read only to learn the run id, after its origin and path are checked against the
// configured API and the verified repository. A callback anywhere else is refused: the host of a URL the
// product calls never comes from a payload. Pure.

export interface ProtectionRule {
  /** The Actions workflow run that waits. */
  runId: number;
  /** The environment whose rule asks (the answer names it). */
  environment: string;
  /** The deployment's commit, as verified (what an approval approves). */
  sha: string;
  /** The event that started the run (push, pull_request, workflow_dispatch...), as GitHub names it. */
  event?: string;
  /** The deployment's ref, as GitHub sends it (a branch or tag). */
  ref?: string;
}

/** GitHub's limit of an environment's name. */
const ENVIRONMENT_MAX = 255;
const PATH_SEGMENT = /^[A-Za-z0-9._-]+$/;

const trimSlash = (s: string) => s.replace(/\/+$/, '');

/**
 * The request a delivery carries, or why it is refused. `apiUrl`: the configured GitHub API root
 * (`https://api.github.com`, `https://ghe.example.com/api/v3`); `owner`/`repo`: the verified repository.
 */
export function protectionRuleOf(
  payload: Record<string, any>,
  apiUrl: string,
  repository: { owner?: string; repo?: string; headSha?: string },
): ProtectionRule | { refused: string } {
  const refuse = (refused: string) => ({ refused });
  const env = payload.environment;
  const control = (t: string) => [...t].some((ch) => ch.charCodeAt(0) < 32 || ch.charCodeAt(0) === 127);
  if (typeof env !== 'string' || !env.trim() || env.length > ENVIRONMENT_MAX || control(env))
    return refuse('environment is missing or not an environment name');
  const { owner, repo, headSha: sha } = repository;
  if (!owner || !repo || !PATH_SEGMENT.test(owner) || !PATH_SEGMENT.test(repo))
    return refuse('a deployment_protection_rule delivery must name its repository');
  if (!sha) return refuse('a deployment_protection_rule delivery must name its deployment commit');
  let callback: URL;
  let api: URL;
  try {
    callback = new URL(String(payload.deployment_callback_url ?? ''));
    api = new URL(apiUrl);
  } catch {
    return refuse('deployment_callback_url is missing or not a URL');
  }
  if (callback.origin !== api.origin)
    return refuse(
      `deployment_callback_url is not on the configured GitHub API (${api.origin}): its origin ${callback.origin.slice(0, 100)} is never called`,
    );
  const prefix = `${trimSlash(api.pathname)}/repos/`;
  const path = decodeURIComponent(callback.pathname);
  const m = path.startsWith(prefix)
    ? /^([^/]+)\/([^/]+)\/actions\/runs\/(\d{1,18})\/deployment_protection_rule\/?$/.exec(path.slice(prefix.length))
    : null;
  if (!m || callback.search || callback.hash)
    return refuse(
      'deployment_callback_url is not /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule',
    );
  if (m[1]!.toLowerCase() !== owner.toLowerCase() || m[2]!.toLowerCase() !== repo.toLowerCase())
    return refuse(`deployment_callback_url names another repository than ${owner}/${repo}`);
  const runId = Number(m[3]);
  if (!Number.isSafeInteger(runId) || runId <= 0) return refuse('deployment_callback_url names no run');
  const text = (v: unknown, max: number) => (typeof v === 'string' && v ? { value: v.slice(0, max) } : undefined);
  const event = text(payload.event, 100);
  const ref = text(payload.deployment?.ref ?? payload.ref, 300);
  return {
    runId,
    environment: env,
    sha,
    ...(event ? { event: event.value } : {}),
    ...(ref ? { ref: ref.value } : {}),
  };
}
