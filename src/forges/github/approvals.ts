// Who may approve: by login, by team (`org/team`, GitHub's team membership API) or by repository role
// (the collaborator permission API's `role_name`; its legacy `permission` field reads maintain as write
// and triage as read) — never by author_association. A 404 or 403 from these APIs (not a collaborator,
// an actor such as Copilot, a token without org-members read) means "not an approver", never a failed
// flow. The role at the moment of approval is returned for the record.
import type { Octokit } from '@octokit/rest';
import type { GitHubClientFor } from './client.js';
import { githubCall } from './failures.js';
import type { RepoTarget } from '../../../activities/forge/index.js';

const RANK: Record<string, number> = { none: 0, read: 1, triage: 2, write: 3, maintain: 4, admin: 5 };

export interface Authorization {
  allowed: boolean;
  via?: string;
  permission: string;
}

/** GitHub's "no" (404 not found, 403 not allowed to ask), as opposed to a failure worth retrying. */
const isRefusal = (err: unknown) => ['GitHub404', 'GitHub403'].includes((err as { type?: string }).type ?? '');

async function repositoryRole(gh: Octokit, input: RepoTarget & { login: string }): Promise<string> {
  try {
    const { data } = await githubCall(() =>
      gh.repos.getCollaboratorPermissionLevel({ owner: input.owner, repo: input.repo, username: input.login }),
    );
    return (data as { role_name?: string }).role_name || data.permission;
  } catch (err) {
    if (isRefusal(err)) return 'none';
    throw err;
  }
}

async function activeTeamMember(gh: Octokit, team: string, login: string): Promise<boolean> {
  const [org, slug] = team.split('/') as [string, string];
  try {
    const { data } = await githubCall(() =>
      gh.teams.getMembershipForUserInOrg({ org, team_slug: slug, username: login }),
    );
    return data.state === 'active';
  } catch (err) {
    if (isRefusal(err)) return false;
    throw err;
  }
}

export function createAuthorizeApprover(clientFor: GitHubClientFor) {
  return async function authorizeApprover(
    input: RepoTarget & { login: string; approvers: string[]; minPermission?: string },
  ): Promise<Authorization> {
    const gh = clientFor(input);
    const permission = await repositoryRole(gh, input);
    const login = input.login.toLowerCase();
    for (const entry of input.approvers) {
      if (!entry.includes('/') && entry.toLowerCase() === login)
        return { allowed: true, via: `listed as ${entry}`, permission };
    }
    for (const team of input.approvers.filter((e) => e.includes('/'))) {
      if (await activeTeamMember(gh, team, input.login)) return { allowed: true, via: `member of ${team}`, permission };
    }
    if (input.minPermission && (RANK[permission] ?? 0) >= (RANK[input.minPermission] ?? 99))
      return { allowed: true, via: `${permission} permission`, permission };
    return { allowed: false, permission };
  };
}
