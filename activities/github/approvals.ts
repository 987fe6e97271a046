// Who may approve: by login, by team (`org/team`, GitHub's team membership API) or by repository
// permission (the collaborator permission API) — never by author_association. The permission at the
// moment of approval is returned for the record.
import type { GitHubClientFor } from '../../src/github/client.js';
import { githubCall } from '../../src/github/failures.js';
import type { RepoTarget } from './index.js';

const RANK: Record<string, number> = { none: 0, read: 1, triage: 2, write: 3, maintain: 4, admin: 5 };

export interface Authorization {
  allowed: boolean;
  via?: string;
  permission: string;
}

export function createAuthorizeApprover(clientFor: GitHubClientFor) {
  return async function authorizeApprover(input: RepoTarget & { login: string; approvers: string[]; minPermission?: string }): Promise<Authorization> {
    const gh = clientFor(input);
    const { data } = await githubCall(() => gh.repos.getCollaboratorPermissionLevel({ owner: input.owner, repo: input.repo, username: input.login }));
    const permission = data.permission;
    const login = input.login.toLowerCase();
    for (const entry of input.approvers) {
      if (!entry.includes('/') && entry.toLowerCase() === login) return { allowed: true, via: `listed as ${entry}`, permission };
    }
    for (const entry of input.approvers.filter((e) => e.includes('/'))) {
      const [org, team] = entry.split('/') as [string, string];
      try {
        const { data: m } = await githubCall(() => gh.teams.getMembershipForUserInOrg({ org, team_slug: team, username: input.login }));
        if (m.state === 'active') return { allowed: true, via: `member of ${entry}`, permission };
      } catch (err) {
        if ((err as { type?: string }).type !== 'GitHub404') throw err;
      }
    }
    if (input.minPermission && (RANK[permission] ?? 0) >= (RANK[input.minPermission] ?? 99)) return { allowed: true, via: `${permission} permission`, permission };
    return { allowed: false, permission };
  };
}
