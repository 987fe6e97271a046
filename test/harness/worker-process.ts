// `aofctl worker` as a separate process, so a test can kill it like a crash would.
import { startAofctl, type AofctlProcess } from './aofctl-process.js';
import type { Stack } from './stack.js';
import { testTemporal } from './temporal.js';

export type WorkerProcess = AofctlProcess;

/** Starts a worker and resolves once it polls its task queues. */
export function startWorkerProcess(config: string, env: Record<string, string>): Promise<WorkerProcess> {
  return startAofctl('worker', config, env, '"worker started"');
}

/** The environment a worker process needs to serve `stack`'s task queues against its sandbox. */
export async function workerEnvFor(stack: Stack, extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const t = stack.resources.daemon.spec.temporal;
  return {
    TEMPORAL_ADDRESS: (await testTemporal()).address,
    AOF_TASK_QUEUE: t.task_queue,
    AOF_GITHUB_TASK_QUEUE: t.github_task_queue,
    GITHUB_API_URL: stack.sandbox.url,
    AOF_TEST_GITHUB_TOKEN: 'ghs_test_installation_token',
    AOF_TEST_WEBHOOK_SECRET: 'unused-by-the-worker',
    ...extra,
  };
}
