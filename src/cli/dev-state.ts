// What `aofctl dev` tells `aofctl simulate`: where the ingress listens and the dev webhook secret.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STATE_DIR } from '../paths.js';

export interface DevState {
  ingressUrl: string;
  sandboxUrl: string;
  /** The GitLab sandbox (its API at `${gitlabSandboxUrl}/api/v4`); absent in a state from before it. */
  gitlabSandboxUrl?: string;
  /** The Bitbucket sandbox (its API at `${bitbucketSandboxUrl}/2.0`); absent in a state from before it. */
  bitbucketSandboxUrl?: string;
  webUiUrl: string;
  secret: string;
}

const FILE = join(STATE_DIR, 'dev.json');

/** The dev GitLab sandbox's bot (its token is what the worker and the ingress use there). */
export const DEV_GITLAB_BOT = { username: 'aofbot', token: 'glpat-sandbox-dev-bot' };

/** The dev Bitbucket sandbox's bot: an account (its email) and its API token, Basic auth as on Cloud. */
export const DEV_BITBUCKET_BOT = {
  nickname: 'aofbot',
  email: 'aofbot@sandbox.invalid',
  password: 'bb-sandbox-dev-token',
};

export function readDevState(): DevState | undefined {
  return existsSync(FILE) ? (JSON.parse(readFileSync(FILE, 'utf8')) as DevState) : undefined;
}

export function writeDevState(state: DevState): void {
  mkdirSync(STATE_DIR, { recursive: true });
  writeFileSync(FILE, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
}

/** The dev webhook secret: from the environment, else the one kept from the last run, else a new one. */
export function devSecret(): string {
  return process.env.GITHUB_WEBHOOK_SECRET || readDevState()?.secret || randomBytes(32).toString('hex');
}
