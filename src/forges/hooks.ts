// The webhooks watched for missed deliveries, on every forge whose API lists and resends them (GitHub's
// and GitLab's; Bitbucket's cannot): one reference type and its short name. Pure: the redelivery workflow
// imports it.
import type { GitHubHookRef } from './github/webhook-hooks.js';
import type { GitLabHookRef } from './gitlab/redelivery.js';

export type HookRef = GitHubHookRef | GitLabHookRef;

/** A short name for logs and metric labels: `app`, `owner/repo#hook`, `org#hook`, `gitlab:path#hook`. */
export function hookLabel(h: HookRef): string {
  if ('forge' in h) return `${h.forge}:${h.path}#${h.hookId}`;
  if (h.kind === 'app') return 'app';
  return h.kind === 'repository' ? `${h.owner}/${h.repo}#${h.hookId}` : `${h.org}#${h.hookId}`;
}
