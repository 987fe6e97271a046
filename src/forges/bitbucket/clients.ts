// The worker's Bitbucket clients: a target's repository takes the credentials and API of the first Bitbucket
// Trigger whose `repositories` cover it and that has credentials, else `platforms.bitbucket`'s. `username` +
// `app_password` (an API token since Bitbucket retired app passwords) is Basic auth; `oauth_token` (a
// repository, project or workspace access token; on Data Center an HTTP access token) a Bearer token. An
// `api_url` ending in `/rest/api/1.0` is Data Center's API (the client speaks both). One client per API and
// credentials.
import { ApplicationFailure } from '@temporalio/common';
import type { Resources } from '../../config/load.js';
import { matchesAny } from '../../routing/glob.js';
import { fullNameOf, type ForgeTarget } from '../port.js';
import { BitbucketApi, type BitbucketAuth } from './api.js';

interface Credential {
  apiUrl: string;
  auth: BitbucketAuth;
  /** The repositories it acts on (glob patterns); every repository when absent. */
  repositories?: string[];
}

const valueOf = (env: NodeJS.ProcessEnv, value?: string, name?: string) => value ?? (name ? env[name] : undefined);

function authOf(
  env: NodeJS.ProcessEnv,
  c: {
    username?: string;
    username_env?: string;
    app_password?: string;
    app_password_env?: string;
    oauth_token?: string;
    oauth_token_env?: string;
  },
): BitbucketAuth | undefined {
  const token = valueOf(env, c.oauth_token, c.oauth_token_env);
  if (token) return { token };
  const username = valueOf(env, c.username, c.username_env);
  const password = valueOf(env, c.app_password, c.app_password_env);
  return username && password ? { username, password } : undefined;
}

/** Every Bitbucket credential the configuration gives, in the order they are chosen: Triggers', then the platform's. */
export function bitbucketCredentials(res: Resources, env: NodeJS.ProcessEnv = process.env): Credential[] {
  const out: Credential[] = [];
  for (const { resource } of res.triggers) {
    const spec = resource.spec;
    if (spec.type !== 'Bitbucket') continue;
    const auth = authOf(env, spec.config);
    if (auth) out.push({ apiUrl: spec.config.api_url, auth, repositories: spec.config.repositories });
  }
  const platform = res.daemon.spec.platforms.bitbucket;
  const auth = platform && authOf(env, platform);
  if (platform && auth) out.push({ apiUrl: platform.api_url, auth });
  return out;
}

export function bitbucketClients(
  res: Resources,
  env: NodeJS.ProcessEnv = process.env,
): (t: ForgeTarget) => BitbucketApi {
  const made = new Map<string, BitbucketApi>();
  return (t) => {
    const name = fullNameOf(t);
    const c = bitbucketCredentials(res, env).find((c) => !c.repositories || matchesAny(name, c.repositories, 'i'));
    if (!c)
      throw ApplicationFailure.nonRetryable(
        `no Bitbucket credentials for ${name}: set config.username + app_password, or oauth_token (or their *_env), on a Bitbucket Trigger covering it, or on platforms.bitbucket`,
        'BitbucketNoCredentials',
      );
    const key = JSON.stringify([c.apiUrl, c.auth]);
    let api = made.get(key);
    if (!api) made.set(key, (api = new BitbucketApi({ apiUrl: c.apiUrl, auth: c.auth })));
    return api;
  };
}
