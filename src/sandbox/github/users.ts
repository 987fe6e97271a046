// Users: the authenticated user (a personal token's; an App's installation token may not ask).
import { HttpError, route, type Route } from './http.js';

export function userRoutes(): Route[] {
  return [
    route('GET', '/user', ({ token }) => {
      if (token.kind === 'installation') throw new HttpError(403, 'Resource not accessible by integration');
      return { body: { login: token.login, id: 1, type: 'User' } };
    }),
  ];
}
