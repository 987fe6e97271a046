// `aofctl dev`: the whole stack on one machine with no credentials: a Temporal dev server (state kept
// in .aof/temporal.db, Web UI on), the GitHub sandbox (state kept in .aof/sandbox.json), the GitLab and
// Bitbucket sandboxes (their state in memory), a worker process and an ingress process, all on 127.0.0.1. It says
// "ready" once a delivery would be handled.
import { PROCESS_ENV } from '../worker/process-env.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GitHubSandbox } from '../sandbox/github/server.js';
import { persistSandbox } from '../sandbox/github/sandbox-state.js';
import { GitLabSandbox } from '../sandbox/gitlab/index.js';
import { BitbucketSandbox } from '../sandbox/bitbucket/index.js';
import { waitUntilReady } from './dev-ready.js';
import { startDevServer } from '../temporal/dev-server.js';
import { PROJECT_ROOT, STATE_DIR } from '../paths.js';
import { DEV_BITBUCKET_BOT, DEV_GITLAB_BOT, devSecret, writeDevState } from './dev-state.js';
import { loadOrExit } from './load-or-exit.js';

export interface DevOptions {
  config: string;
  temporalPort: number;
  uiPort: number;
  sandboxPort: number;
  gitlabSandboxPort: number;
  bitbucketSandboxPort: number;
}

export async function dev(o: DevOptions): Promise<void> {
  const secret = devSecret();
  const resources = loadOrExit(o.config); // fail before starting anything
  const port = resources.daemon.spec.server.port;
  const say = (msg: string) => process.stdout.write(`[aof dev] ${msg}\n`);

  mkdirSync(STATE_DIR, { recursive: true });
  const sandbox = new GitHubSandbox();
  const kept = persistSandbox(sandbox, join(STATE_DIR, 'sandbox.json'));
  const sandboxUrl = await sandbox.start(o.sandboxPort);
  say(`GitHub sandbox on ${sandboxUrl} (inspect: ${sandboxUrl}/_sandbox/comments; state in .aof/sandbox.json)`);
  const gitlab = new GitLabSandbox();
  gitlab.state.addUser({ ...DEV_GITLAB_BOT, bot: true });
  const gitlabSandboxUrl = await gitlab.start(o.gitlabSandboxPort);
  say(`GitLab sandbox on ${gitlabSandboxUrl} (inspect: ${gitlabSandboxUrl}/_sandbox/notes; state in memory)`);
  const bitbucket = new BitbucketSandbox();
  bitbucket.state.addUser(DEV_BITBUCKET_BOT);
  const bitbucketSandboxUrl = await bitbucket.start(o.bitbucketSandboxPort);
  say(
    `Bitbucket sandbox on ${bitbucketSandboxUrl} (inspect: ${bitbucketSandboxUrl}/_sandbox/comments; state in memory)`,
  );

  say('starting the Temporal dev server (state in .aof/temporal.db)');
  const env = await startDevServer({
    dbFilename: join(STATE_DIR, 'temporal.db'),
    port: o.temporalPort,
    ui: true,
    uiPort: o.uiPort,
  });
  const address = `127.0.0.1:${o.temporalPort}`;
  const webUiUrl = `http://127.0.0.1:${o.uiPort}`;

  const childEnv = {
    ...process.env,
    // The malloc settings, unless set (an empty value counts as unset, as for every variable here).
    ...Object.fromEntries(Object.entries(PROCESS_ENV).map(([k, v]) => [k, process.env[k] || v])),
    GITHUB_WEBHOOK_SECRET: secret,
    // An app installation token for the sandbox, so check runs are allowed as for a GitHub App.
    GITHUB_TOKEN: process.env.GITHUB_TOKEN || 'ghs_sandbox_dev_installation_token',
    GITHUB_API_URL: sandboxUrl,
    // GitLab: the same dev secret, the sandbox's bot.
    GITLAB_WEBHOOK_SECRET: secret,
    GITLAB_TOKEN: process.env.GITLAB_TOKEN || DEV_GITLAB_BOT.token,
    GITLAB_API_URL: gitlab.apiUrl,
    // Bitbucket: the same dev secret, the sandbox's bot (an account and its API token, Basic auth).
    BITBUCKET_WEBHOOK_SECRET: secret,
    BITBUCKET_USERNAME: process.env.BITBUCKET_USERNAME || DEV_BITBUCKET_BOT.email,
    BITBUCKET_APP_PASSWORD: process.env.BITBUCKET_APP_PASSWORD || DEV_BITBUCKET_BOT.password,
    BITBUCKET_API_URL: bitbucket.apiUrl,
    TEMPORAL_ADDRESS: address,
    // Only this machine: the dev secret and the sandbox are not for the network.
    AOF_HOST: '127.0.0.1',
    // The example flows' deploy hook: the sandbox's stand-in, on whatever port it was given.
    AOF_DEPLOY_HOOK_URL: process.env.AOF_DEPLOY_HOOK_URL || `${sandboxUrl}/_sandbox/deploy`,
  };
  const bin = resolve(PROJECT_ROOT, 'bin/aofctl.js');
  const children: ChildProcess[] = [];
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    children.forEach((c) => c.kill('SIGTERM'));
    kept.stop();
    await sandbox.stop();
    await gitlab.stop();
    await bitbucket.stop();
    await env.teardown();
    process.exit(code);
  };
  for (const cmd of ['worker', 'serve']) {
    const child = spawn(process.execPath, [bin, cmd, '--config', o.config], { env: childEnv, stdio: 'inherit' });
    child.on('exit', (code) => {
      if (!stopping) {
        say(`${cmd} exited with ${code}; stopping`);
        void stop(code || 1);
      }
    });
    children.push(child);
  }
  const ingressUrl = `http://127.0.0.1:${port}`;
  writeDevState({ ingressUrl, sandboxUrl, gitlabSandboxUrl, bitbucketSandboxUrl, webUiUrl, secret });
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  say(`Temporal ${address}, Web UI ${webUiUrl}; waiting for the worker and the ingress`);
  const { task_queue, github_task_queue, namespace } = resources.daemon.spec.temporal;
  await waitUntilReady({
    client: env.client,
    namespace,
    taskQueues: [task_queue, github_task_queue],
    readyUrl: `${ingressUrl}/ready`,
    stopped: () => stopping,
  });
  if (stopping) return;
  say(
    `ready: ingress ${ingressUrl}/webhook/github, ${ingressUrl}/webhook/gitlab and ${ingressUrl}/webhook/bitbucket, worker polling ${task_queue} and ${github_task_queue}`,
  );
  say(
    'try: npx aofctl simulate pull_request --action opened   or   npx aofctl simulate --forge gitlab merge_request --action open   or   npx aofctl simulate --forge bitbucket pullrequest:created   (more: npx aofctl simulate --help)',
  );
}
