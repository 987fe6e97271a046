// The Bitbucket bot's names, learnt from its credentials (Bitbucket Triggers' and platforms.bitbucket's):
// on Cloud the account's `nickname` from `GET /user`; on Data Center, with Basic auth, the user's `name`
// from `GET /users/{username}`. A Data Center HTTP access token (Bearer) has no API that names its
// account: `bot_name` is needed there (validation says so). The ingress ignores comments and events from
// these names, so the bot never answers itself; `bot_name` only adds a name (the ingress reads it per request).
import type { Resources } from '../../config/load.js';
import { learnNames, watchLearnt, type LearntNames } from '../bot-names.js';
import { BitbucketApi } from './api.js';
import { bitbucketCredentials, isDataCenter } from './clients.js';

/** How long the ingress waits for Bitbucket to say who a credential is, per attempt. */
const ASK_TIMEOUT_MS = 5000;

/** The names the credentials act as; `known` is false while Bitbucket has not said for some credential. */
export function bitbucketBotNames(
  res: Resources,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ names: string[]; known: boolean }> {
  return learnNames(
    bitbucketCredentials(res, env),
    (c) => JSON.stringify([c.apiUrl, c.auth]),
    ({ apiUrl, auth }) => {
      const api = new BitbucketApi({ apiUrl, auth, timeoutMs: ASK_TIMEOUT_MS });
      if (!isDataCenter(apiUrl)) return api.user().then((u) => u.nickname);
      if ('token' in auth) return undefined;
      return api.get<{ name?: string }>(`/users/${encodeURIComponent(auth.username)}`).then((u) => u.name);
    },
  );
}

/** The Bitbucket bot's names for the ingress: learnt at start, asked again while some credential's is unknown. */
export function watchBitbucketBotNames(
  res: Resources,
  report?: (names: string[], known: boolean) => void,
): Promise<LearntNames> {
  return watchLearnt(() => bitbucketBotNames(res), report);
}
