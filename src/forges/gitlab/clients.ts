// The worker's GitLab clients: a target's project takes the token and API of the first GitLab Trigger
// whose `projects` cover it and that has a token, else `platforms.gitlab`'s. One client per API and token.
import { ApplicationFailure } from '@temporalio/common';
import type { Resources } from '../../config/load.js';
import { matchesAny } from '../../routing/glob.js';
import { fullNameOf, type ForgeTarget } from '../port.js';
import { GitLabApi } from './api.js';

export function gitlabClients(res: Resources, env: NodeJS.ProcessEnv = process.env): (t: ForgeTarget) => GitLabApi {
  const made = new Map<string, GitLabApi>();
  const client = (apiUrl: string, token: string) => {
    const key = `${apiUrl}\n${token}`;
    let c = made.get(key);
    if (!c) made.set(key, (c = new GitLabApi({ apiUrl, token })));
    return c;
  };
  const platform = res.daemon.spec.platforms.gitlab;
  return (t) => {
    const name = fullNameOf(t);
    for (const { resource } of res.triggers) {
      const spec = resource.spec;
      if (spec.type !== 'GitLab') continue;
      const token = spec.config.token ?? (spec.config.token_env ? env[spec.config.token_env] : undefined);
      if (!token || (spec.config.projects && !matchesAny(name, spec.config.projects, 'i'))) continue;
      return client(spec.config.api_url, token);
    }
    const token = platform?.token_env ? env[platform.token_env] : undefined;
    if (platform && token) return client(platform.api_url, token);
    throw ApplicationFailure.nonRetryable(
      `no GitLab token for ${name}: set config.token (or token_env) on a GitLab Trigger covering it, or platforms.gitlab.token_env`,
      'GitLabNoToken',
    );
  };
}
