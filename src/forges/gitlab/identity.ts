// The GitLab bot's usernames, learnt from its tokens: `GET /user` with each token the configuration gives
// (GitLab Triggers' and platforms.gitlab.token_env's). The ingress ignores notes and events from them, so
// the bot never answers itself; `bot_name` only adds a name (the ingress reads it per request).
import type { Resources } from '../../config/load.js';
import { learnNames, watchLearnt, type LearntNames } from '../bot-names.js';
import { GitLabApi } from './api.js';
import { gitlabCredentials } from './clients.js';

/** How long the ingress waits for GitLab to say who a token is, per attempt. */
const ASK_TIMEOUT_MS = 5000;

/** The usernames the tokens act as; `known` is false while GitLab has not said for some token. */
export async function gitlabBotNames(
  res: Resources,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ names: string[]; known: boolean }> {
  return learnNames(
    gitlabCredentials(res, env),
    (c) => `${c.apiUrl}\n${c.token}`,
    ({ apiUrl, token }) => new GitLabApi({ apiUrl, token, timeoutMs: ASK_TIMEOUT_MS }).user().then((u) => u.username),
  );
}

/** The GitLab bot's usernames for the ingress: learnt at start, asked again while some token's is unknown. */
export function watchGitLabBotNames(
  res: Resources,
  report?: (names: string[], known: boolean) => void,
): Promise<LearntNames> {
  return watchLearnt(() => gitlabBotNames(res), report);
}
