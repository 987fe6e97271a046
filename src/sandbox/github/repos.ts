// Repositories, as GitHub's REST reference groups them: a file's contents, and a collaborator's
// permission.
import { HttpError, route, type Route } from './http.js';
import type { GitHubSandbox } from './server.js';

export function repoRoutes(s: GitHubSandbox): Route[] {
  return [
    route('GET', '/repos/{owner}/{repo}/contents/{path}', ({ params: [owner, repo, path], query }) => {
      const content = s.contents.get(`${owner}/${repo}@${query.get('ref')}:${path}`);
      if (content === undefined) throw new HttpError(404, 'Not Found');
      const bytes = Buffer.from(content, 'utf8');
      return {
        body: {
          type: 'file',
          encoding: 'base64',
          size: bytes.length,
          name: path!.split('/').pop(),
          path,
          content: bytes.toString('base64'),
        },
      };
    }),
    route('GET', '/repos/{owner}/{repo}/collaborators/{username}/permission', ({ params: [owner, repo, user] }) => {
      // As GitHub: 404 for someone who is not a collaborator; `permission` is the legacy field (maintain
      // reads as write, triage as read), `role_name` the real role.
      const role = s.permissions.get(`${owner}/${repo}:${user!.toLowerCase()}`);
      if (!role) throw new HttpError(404, `${user} is not a user`);
      const legacy = ({ maintain: 'write', triage: 'read' } as Record<string, string>)[role] ?? role;
      return { body: { permission: legacy, role_name: role, user: { login: user } } };
    }),
  ];
}
