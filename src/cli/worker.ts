// `aofctl worker`: runs workflows and activities. Scale by starting more of these.
import { NativeConnection } from '@temporalio/worker';
import { createLogger } from '../log.js';
import { installTemporalRuntime } from '../temporal/runtime-logger.js';
import { createWorkers, runWorkers } from '../worker/create-workers.js';
import { loadOrExit } from './load-or-exit.js';
import { modelWarnings } from '../config/models.js';
import { formatProblem } from '../config/problems.js';

export async function worker(configPath: string): Promise<void> {
  const logger = createLogger('worker');
  installTemporalRuntime(logger, 'INFO');
  const resources = loadOrExit(configPath);
  for (const w of modelWarnings(resources.daemon, resources.agents.values(), resources.gates.values())) logger.warn(formatProblem(w));
  const t = resources.daemon.spec.temporal;
  const connection = await NativeConnection.connect({ address: t.address });
  const workers = await createWorkers({ connection, resources });
  logger.info({ temporal: t.address, namespace: t.namespace, taskQueues: [t.task_queue, t.github_task_queue] }, 'worker started');
  try {
    await runWorkers(workers);
  } finally {
    await connection.close();
  }
}
