// GitHub Apps: the App's own routes, authenticated by its RS256 JWT rather than a token (so answered
// before the token check): installation access tokens, an installation, the App itself, and the App's
// hook deliveries.
import { randomBytes, verify } from 'node:crypto';
import { DOCS } from './http.js';
import type { GitHubSandbox } from './server.js';

/** The sandbox's REST operations answered outside its route table (the App's, authenticated by its JWT). */
export const APP_OPERATIONS = [
  'POST /app/installations/{installation_id}/access_tokens',
  'GET /app/installations/{installation_id}',
  'GET /app',
  'GET /app/hook/deliveries',
  'POST /app/hook/deliveries/{delivery_id}/attempts',
];

export interface AppAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * The answer to a request for one of the App's own routes, or undefined when it is not one of them.
 * `requestUrl` is the URL the client used, for Link headers.
 */
export function appAnswer(
  s: GitHubSandbox,
  method: string,
  url: URL,
  authorization: string | undefined,
  requestUrl: () => string,
): AppAnswer | undefined {
  const tokenRoute = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(url.pathname);
  if (method === 'POST' && tokenRoute) {
    const issued = issueInstallationToken(s, authorization, Number(tokenRoute[1]));
    if ('error' in issued) return { status: 401, body: { message: issued.error, documentation_url: DOCS } };
    if ('missing' in issued) return { status: 404, body: { message: 'Not Found', documentation_url: DOCS } };
    return { status: 201, body: issued };
  }

  // GET /app/installations/{installation_id}: only the App's JWT may ask; unknown ids are 404.
  const installationRoute = /^\/app\/installations\/(\d+)$/.exec(url.pathname);
  if (method === 'GET' && installationRoute) {
    const app = verifyAppJwt(s, authorization);
    if ('error' in app) return { status: 401, body: { message: app.error, documentation_url: DOCS } };
    const id = Number(installationRoute[1]);
    const account = s.installations.get(id);
    if (account === undefined) return { status: 404, body: { message: 'Not Found', documentation_url: DOCS } };
    return {
      status: 200,
      body: {
        id,
        account: { login: account, id: s.id(), type: 'Organization' },
        app_id: Number(app.appId),
        target_type: 'Organization',
        repository_selection: 'all',
        permissions: { issues: 'write', pull_requests: 'write', checks: 'write' },
      },
    };
  }

  if (method === 'GET' && url.pathname === '/app') {
    const app = verifyAppJwt(s, authorization);
    return 'error' in app
      ? { status: 401, body: { message: app.error, documentation_url: DOCS } }
      : {
          status: 200,
          body: { id: Number(app.appId), slug: s.botLogin.replace(/\[bot\]$/, ''), name: 'aof sandbox app' },
        };
  }

  // The App's own hook: like GET /app, only an App JWT may read or redeliver its deliveries.
  const appHook = /^\/app\/hook\/deliveries(?:\/(\d+)\/attempts)?$/.exec(url.pathname);
  if (appHook) {
    const app = verifyAppJwt(s, authorization);
    if ('error' in app) return { status: 401, body: { message: app.error, documentation_url: DOCS } };
    if (method === 'GET' && !appHook[1]) {
      const page = s.deliveries.list('app', url.searchParams, requestUrl());
      return { status: 200, body: page.body, headers: page.headers };
    }
    if (method === 'POST' && appHook[1])
      return s.deliveries.redeliver('app', Number(appHook[1]))
        ? { status: 202, body: {} }
        : { status: 404, body: { message: 'Not Found', documentation_url: DOCS } };
    return { status: 404, body: { message: 'Not Found', documentation_url: DOCS } };
  }
  return undefined;
}

/** POST /app/installations/:id/access_tokens, authenticated by an RS256 JWT of a registered app. */
function issueInstallationToken(
  s: GitHubSandbox,
  header: string | undefined,
  installationId: number,
): Record<string, unknown> | { error: string } | { missing: true } {
  const app = verifyAppJwt(s, header);
  if ('error' in app) return app;
  if (!s.installations.has(installationId)) return { missing: true };
  const issued = {
    installationId,
    token: `ghs_${randomBytes(18).toString('hex')}`,
    expires_at: new Date(Date.now() + 3600_000).toISOString(),
  };
  s.issuedTokens.push(issued);
  return {
    token: issued.token,
    expires_at: issued.expires_at,
    permissions: { issues: 'write', pull_requests: 'write', checks: 'write' },
    repository_selection: 'all',
  };
}

/** An RS256 JWT signed by a registered app, as GitHub checks it. */
function verifyAppJwt(s: GitHubSandbox, header: string | undefined): { appId: string } | { error: string } {
  const jwt = /^bearer\s+([\w-]+)\.([\w-]+)\.([\w-]+)$/i.exec(header ?? '');
  if (!jwt) return { error: 'A JSON web token could not be decoded' };
  const claims = JSON.parse(Buffer.from(jwt[2]!, 'base64url').toString('utf8')) as {
    iss?: string | number;
    exp?: number;
    iat?: number;
  };
  const key = s.apps.get(String(claims.iss));
  if (!key) return { error: `Integration not found: ${claims.iss}` };
  const signed = Buffer.from(`${jwt[1]}.${jwt[2]}`);
  if (!verify('RSA-SHA256', signed, key, Buffer.from(jwt[3]!, 'base64url')))
    return { error: 'A JSON web token could not be decoded' };
  const now = Math.floor(Date.now() / 1000);
  if (!claims.exp || claims.exp < now || claims.exp - (claims.iat ?? now) > 600)
    return { error: "'Expiration time' claim ('exp') is too far in the future or has passed" };
  return { appId: String(claims.iss) };
}
