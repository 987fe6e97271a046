// The GitHub sandbox's HTTP vocabulary: a route is an operation as GitHub's REST reference writes it
// (`METHOD /path/{template}`), answered by a handler that returns the answer or throws GitHub's error.
import type { GitHubSandbox } from './server.js';

/** Where GitHub's error bodies point (`documentation_url`). */
export const DOCS = 'https://docs.github.com/rest';

/** An answer GitHub gives instead of the resource: thrown by handlers, sent by the server. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: unknown[],
  ) {
    super(message);
  }
}

/** Who a request's token acts as: an App's installation token (`ghs_…`) or a personal token. */
export interface Token {
  value: string;
  kind: 'installation' | 'personal';
  login: string;
}

export type Handler = (req: {
  params: string[];
  body: any;
  query: URLSearchParams;
  token: Token;
  accept: string;
  /** The request's absolute URL, for Link headers. */
  url: string;
}) => {
  status?: number;
  body: unknown;
  type?: string;
  headers?: Record<string, string>;
};

export interface Route {
  method: string;
  /** The path as GitHub's REST reference writes it (`{path}` of contents may hold slashes). */
  pattern: string;
  handler: Handler;
}

export const route = (method: string, pattern: string, handler: Handler): Route => ({ method, pattern, handler });

export const pathRegex = (template: string) =>
  new RegExp('^' + template.replace('{path}', '(.+)').replace(/\{[a-z_]+\}/g, '([^/]+)') + '$');

/** A page on github.com of `owner/repo`. */
export const html = (owner: string, repo: string, rest: string) => `https://github.com/${owner}/${repo}/${rest}`;

/** 404 unless the issue (`pull`: the pull request) exists, as GitHub answers for any other number. */
export const existing = (s: GitHubSandbox, owner: string, repo: string, n: string, what: 'issue' | 'pull') => {
  if (!s.exists(owner, repo, Number(n), what)) throw new HttpError(404, 'Not Found');
};
