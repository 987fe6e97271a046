// `aofctl dev`: the whole stack on one machine with no credentials: a Temporal dev server (state kept
// in .aof/temporal.db, Web UI on), the GitHub sandbox, a worker process and an ingress process.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GitHubSandbox } from '../sandbox/github-sandbox.js';
import { startDevServer } from '../temporal/dev-server.js';
import { PROJECT_ROOT, STATE_DIR } from '../paths.js';
import { devSecret, writeDevState } from './dev-state.js';
import { loadOrExit } from './load-or-exit.js';

export interface DevOptions {
  config: string;
  temporalPort: number;
  uiPort: number;
  sandboxPort: number;
}

export async function dev(o: DevOptions): Promise<void> {
  const secret = devSecret();
  const resources = loadOrExit(o.config); // fail before starting anything
  const port = resources.daemon.spec.server.port;
  const say = (msg: string) => process.stdout.write(`[aof dev] ${msg}\n`);

  const sandbox = new GitHubSandbox();
  const sandboxUrl = await sandbox.start(o.sandboxPort);
  say(`GitHub sandbox on ${sandboxUrl} (inspect: ${sandboxUrl}/_sandbox/comments)`);

  say('starting the Temporal dev server (state in .aof/temporal.db)');
  mkdirSync(STATE_DIR, { recursive: true });
  const env = await startDevServer({
    dbFilename: join(STATE_DIR, 'temporal.db'),
    port: o.temporalPort,
    ui: true,
    uiPort: o.uiPort,
  });
  const address = `127.0.0.1:${o.temporalPort}`;
  const webUiUrl = `http://localhost:${o.uiPort}`;

  const childEnv = {
    ...process.env,
    GITHUB_WEBHOOK_SECRET: secret,
    // An app installation token for the sandbox, so check runs are allowed as for a GitHub App.
    GITHUB_TOKEN: process.env.GITHUB_TOKEN ?? 'ghs_sandbox_dev_installation_token',
    GITHUB_API_URL: sandboxUrl,
    TEMPORAL_ADDRESS: address,
  };
  const bin = resolve(PROJECT_ROOT, 'bin/aofctl.js');
  const children: ChildProcess[] = [];
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    children.forEach((c) => c.kill('SIGTERM'));
    await sandbox.stop();
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
  const ingressUrl = `http://localhost:${port}`;
  writeDevState({ ingressUrl, sandboxUrl, webUiUrl, secret });
  say(`Temporal ${address}, Web UI ${webUiUrl}`);
  say(`ingress ${ingressUrl}/webhook/github`);
  say('try: npx aofctl simulate pull_request --action opened');
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
}
