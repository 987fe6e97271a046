// Teams: a user's membership of an organization's team.
import { HttpError, route, type Route } from './http.js';
import type { GitHubSandbox } from './server.js';

export function teamRoutes(s: GitHubSandbox): Route[] {
  return [
    route('GET', '/orgs/{org}/teams/{team_slug}/memberships/{username}', ({ params: [org, team, user] }) => {
      if (!s.teams.get(`${org}/${team}`)?.has(user!.toLowerCase())) throw new HttpError(404, 'Not Found');
      return { body: { state: 'active', role: 'member', url: `/orgs/${org}/teams/${team}/memberships/${user}` } };
    }),
  ];
}
