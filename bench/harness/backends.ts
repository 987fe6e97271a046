// What the process benchmarks run their `aofctl` processes against: a Temporal dev server and the GitHub
// sandbox, with the environment a worker or ingress process needs to use them (token and secret
// variables as the benchmarks' daemon.yaml names them: AOF_BENCH_TOKEN, AOF_BENCH_SECRET).
import { GitHubSandbox } from '../../src/sandbox/github/server.js';
import { startDevServer, type DevServerOptions } from '../../src/temporal/dev-server.js';
import { killChildren } from '../../test/harness/aofctl-process.js';

/**
 * Interrupted (Ctrl-C, a timeout's SIGTERM), where a finally block does not run: kill the `aofctl`
 * children first, then stop the dev server and the sandbox (for 10 s at most), then exit.
 */
function stopOnSignal(stop: () => Promise<void>) {
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping the benchmark's processes\n`);
      killChildren();
      const exit = () => process.exit(signal === 'SIGINT' ? 130 : 143);
      setTimeout(exit, 10_000).unref();
      void stop().finally(exit);
    });
}

export const BENCH_DAEMON_GITHUB = 'token_env: AOF_BENCH_TOKEN\nwebhook_secret_env: AOF_BENCH_SECRET';

/**
 * The sandbox has none of GitHub's limits: a benchmark that writes thousands of comments with one token
 * would otherwise measure GitHub's 80 content-creating requests a minute.
 */
export const BENCH_GITHUB_LIMITS =
  'limits: {content_creating_per_minute: 1000000, content_creating_per_hour: 10000000, rest_points_per_minute: 10000000}';

export async function startBackends(secret: string, temporalOptions: DevServerOptions = {}) {
  const temporal = await startDevServer(temporalOptions);
  const sandbox = new GitHubSandbox();
  await sandbox.start();
  const stop = async () => {
    await sandbox.stop();
    await temporal.teardown();
  };
  stopOnSignal(stop);
  const env = {
    TEMPORAL_ADDRESS: temporal.address,
    GITHUB_API_URL: sandbox.url,
    AOF_BENCH_TOKEN: 'ghs_bench_installation_token',
    AOF_BENCH_SECRET: secret,
  };
  return {
    temporal,
    sandbox,
    env,
    stop,
  };
}
