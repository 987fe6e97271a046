// One verified identity per delivery: whom the verifying secret speaks for (the tenant), and the owner,
// repository, installation, number and head commit the payload is about, each checked once against the
// tenant and against every other field that names the same thing. A payload whose fields disagree is
// refused; everything after this step (routing filters, workflow ids, locks, quota accounts, deploy hook
// bodies, signals) reads the identity, never the payload's own copies of these fields. Pure.
import type { Tenant } from '../config/secrets.js';

export interface DeliveryIdentity {
  tenant: Tenant;
  /** The repository owner's login, as GitHub spells it. */
  owner?: string;
  /** The repository's name (without its owner). */
  repo?: string;
  /** `owner/repo`, built from the two fields above (never the payload's `full_name`). */
  fullName?: string;
  /** The installation to act through: the tenant's configured one, else the payload's (checked by the worker). */
  installationId?: number;
  /** True when the configuration names this installation for the tenant (so billing may key on it). */
  installationBound: boolean;
  /** The pull request or issue the event is about. */
  number?: number;
  /** The pull request's head commit (or the check run's, or a push's `after`). */
  headSha?: string;
}

export type IdentityResult = { identity: DeliveryIdentity } | { refused: string };

// GitHub's own rules: a login is alphanumerics and single hyphens, at most 39 characters; a repository
// name is ASCII letters, digits, `.`, `_` and `-`, at most 100.
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const REPO = /^[A-Za-z0-9._-]{1,100}$/;
const SHA = /^[0-9a-f]{40}$/;
const ZERO_SHA = '0'.repeat(40);

const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The identity of a verified delivery, or why its payload disagrees with itself or with its tenant. */
export function verifiedIdentity(
  tenant: Tenant,
  event: string,
  payload: Record<string, any>,
  /** Lower-cased names of the organizations with a secret of their own. */
  organizations: Set<string>,
): IdentityResult {
  const refuse = (refused: string): IdentityResult => ({ refused });
  const repository = payload.repository;
  const org = payload.organization?.login;
  if (org !== undefined && (typeof org !== 'string' || !LOGIN.test(org)))
    return refuse('organization.login is not a GitHub login');

  let owner: string | undefined;
  let repo: string | undefined;
  if (repository !== undefined && repository !== null) {
    owner = repository.owner?.login;
    repo = repository.name;
    if (typeof owner !== 'string' || !LOGIN.test(owner))
      return refuse('repository.owner.login is missing or not a GitHub login');
    if (typeof repo !== 'string' || !REPO.test(repo))
      return refuse('repository.name is missing or not a repository name');
    if (repository.full_name !== `${owner}/${repo}`)
      return refuse(`repository.full_name does not name repository.owner.login/repository.name ("${owner}/${repo}")`);
  }
  const about = owner ?? org;

  // Whom the secret speaks for.
  if (tenant.kind === 'organization') {
    if (org !== undefined && owner !== undefined && !same(org, owner))
      return refuse(`organization "${org}" does not own repository "${owner}/${repo}"`);
    if (about === undefined)
      return refuse(`a delivery for organization "${tenant.name}" must name its repository or organization`);
    if (!same(about, tenant.name)) return refuse(`signed with the secret of "${tenant.name}" but about "${about}"`);
  } else {
    // The global secret and Trigger secrets never speak for an organization that has a secret of its own.
    const claimed = [owner, org].find((o) => o !== undefined && organizations.has(o.toLowerCase()));
    if (claimed) return refuse(`"${claimed}" has its own webhook secret; its deliveries must be signed with it`);
  }

  // The installation: the tenant's own when configured, else the payload's (the worker checks with GitHub
  // that it belongs to the owner before it acts through it).
  const claimed = payload.installation?.id;
  if (payload.installation != null && !isPositiveInt(claimed))
    return refuse('installation.id is not a positive integer');
  const bound = tenant.kind === 'organization' ? tenant.installationId : undefined;
  if (bound !== undefined && claimed !== undefined && claimed !== bound)
    return refuse(
      `installation ${claimed} is not the installation of "${tenant.kind === 'organization' ? tenant.name : ''}"`,
    );
  const installationId = bound ?? claimed;

  // The pull request or issue, and its head.
  const pr = payload.pull_request;
  const issue = payload.issue;
  let number: number | undefined;
  let headSha: string | undefined;
  if (pr != null) {
    if (!isPositiveInt(pr.number)) return refuse('pull_request.number is not a positive integer');
    number = pr.number;
    if (pr.head?.sha !== undefined || event.startsWith('pull_request')) {
      if (typeof pr.head?.sha !== 'string' || !SHA.test(pr.head.sha))
        return refuse('pull_request.head.sha is not 40 hexadecimal characters');
      headSha = pr.head.sha;
    }
  }
  if (issue != null) {
    if (!isPositiveInt(issue.number)) return refuse('issue.number is not a positive integer');
    if (number !== undefined && number !== issue.number) return refuse('issue.number and pull_request.number disagree');
    number = issue.number;
  }
  const run = payload.check_run ?? payload.check_suite;
  if (run != null && headSha === undefined) {
    if (typeof run.head_sha !== 'string' || !SHA.test(run.head_sha))
      return refuse(`${payload.check_run ? 'check_run' : 'check_suite'}.head_sha is not 40 hexadecimal characters`);
    headSha = run.head_sha;
    const first = run.pull_requests?.[0]?.number;
    if (first !== undefined) {
      if (!isPositiveInt(first)) return refuse('pull_requests[0].number is not a positive integer');
      number ??= first;
    }
  }
  // A deployment protection rule's request: the deployment's commit, and the pull request of that commit
  // when GitHub names one (the first of pull_requests[]).
  if (event === 'deployment_protection_rule') {
    const sha = payload.deployment?.sha ?? payload.sha;
    if (typeof sha !== 'string' || !SHA.test(sha)) return refuse('deployment.sha is not 40 hexadecimal characters');
    headSha = sha;
    const first = payload.pull_requests?.[0]?.number;
    if (first !== undefined) {
      if (!isPositiveInt(first)) return refuse('pull_requests[0].number is not a positive integer');
      number ??= first;
    }
  }
  if (event === 'push') {
    for (const field of ['before', 'after'] as const) {
      const v = payload[field];
      if (v !== undefined && (typeof v !== 'string' || !SHA.test(v)))
        return refuse(`push ${field} is not 40 hexadecimal characters`);
    }
    if (typeof payload.after === 'string' && payload.after !== ZERO_SHA) headSha = payload.after;
  }

  return {
    identity: {
      tenant,
      ...(owner !== undefined
        ? { owner, repo, fullName: `${owner}/${repo}` }
        : org !== undefined
          ? { owner: org }
          : {}),
      ...(installationId !== undefined ? { installationId } : {}),
      installationBound: bound !== undefined,
      ...(number !== undefined ? { number } : {}),
      ...(headSha !== undefined ? { headSha } : {}),
    },
  };
}
