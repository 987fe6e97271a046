// The Bitbucket bot's names, learnt from its credentials (Bitbucket Triggers' and platforms.bitbucket's) as
// the client knows its own account (BitbucketApi.user): on Cloud the `nickname` from `GET /user`; on Data
// Center the user `X-AUSERNAME` names (Basic auth or an HTTP access token alike). The ingress ignores
// comments and events from these names, so the bot never answers itself; `bot_name` only adds a name (the
// ingress reads it per request).
import type { Resources } from '../../config/load.js';
import { learnNames, watchLearnt, type LearntNames } from '../bot-names.js';
import { BitbucketApi } from './api.js';
import { bitbucketCredentials } from './clients.js';

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
    ({ apiUrl, auth }) => new BitbucketApi({ apiUrl, auth, timeoutMs: ASK_TIMEOUT_MS }).user().then((u) => u.nickname),
  );
}

/** The Bitbucket bot's names for the ingress: learnt at start, asked again while some credential's is unknown. */
export function watchBitbucketBotNames(
  res: Resources,
  report?: (names: string[], known: boolean) => void,
): Promise<LearntNames> {
  return watchLearnt(() => bitbucketBotNames(res), report);
}
