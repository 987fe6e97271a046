// The worker's GitLab clients: a target's project takes the token and API of the first GitLab Trigger
// whose `projects` cover it and that has a token, else `platforms.gitlab`'s. One client per API and token.
import { ApplicationFailure } from '@temporalio/common';
import type { Resources } from '../../config/load.js';
import { matchesAny } from '../../routing/glob.js';
import { fullNameOf, type ForgeTarget } from '../port.js';
import { GitLabApi } from './api.js';

interface Credential {
  apiUrl: string;
  token: string;
  /** The projects it acts on (glob patterns); every project when absent. */
  projects?: string[];
}

/** Every GitLab credential the configuration gives, in the order they are chosen: Triggers', then the platform's. */
export function gitlabCredentials(res: Resources, env: NodeJS.ProcessEnv = process.env): Credential[] {
  const out: Credential[] = [];
  for (const { resource } of res.triggers) {
    const spec = resource.spec;
    if (spec.type !== 'GitLab') continue;
    const token = spec.config.token ?? (spec.config.token_env ? env[spec.config.token_env] : undefined);
    if (token) out.push({ apiUrl: spec.config.api_url, token, projects: spec.config.projects });
  }
  const platform = res.daemon.spec.platforms.gitlab;
  const token = platform?.token_env ? env[platform.token_env] : undefined;
  if (platform && token) out.push({ apiUrl: platform.api_url, token });
  return out;
}

/** A client per project (ForgeTarget); `group(path)` for a group's own endpoints (its hooks). */
export type GitLabClients = ((t: ForgeTarget) => GitLabApi) & { group(path: string): GitLabApi };

/**
 * A project's client: the first credential whose `projects` cover it. A group's: the first credential
 * that covers every project (no `projects`: the platform's token, or a Trigger's without a project list).
 */
export function gitlabClients(res: Resources, env: NodeJS.ProcessEnv = process.env): GitLabClients {
  const made = new Map<string, GitLabApi>();
  const client = (apiUrl: string, token: string) => {
    const key = `${apiUrl}\n${token}`;
    let c = made.get(key);
    if (!c) made.set(key, (c = new GitLabApi({ apiUrl, token })));
    return c;
  };
  const forPath = (name: string, group: boolean) => {
    const c = gitlabCredentials(res, env).find((c) => !c.projects || (!group && matchesAny(name, c.projects, 'i')));
    if (c) return client(c.apiUrl, c.token);
    throw ApplicationFailure.nonRetryable(
      group
        ? `no GitLab token for group ${name}: set platforms.gitlab.token_env (a Trigger's token speaks for its projects only)`
        : `no GitLab token for ${name}: set config.token (or token_env) on a GitLab Trigger covering it, or platforms.gitlab.token_env`,
      'GitLabNoToken',
    );
  };
  return Object.assign((t: ForgeTarget) => forPath(fullNameOf(t), false), {
    group: (path: string) => forPath(path, true),
  });
}
