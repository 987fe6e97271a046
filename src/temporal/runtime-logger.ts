// Routes the Temporal SDK's own logs into our structured logger, at a level we choose, and, for a worker,
// serves the SDK core's runtime metrics (task slots, poll latency, schedule-to-start...) in Prometheus
// format on `prometheusBindAddress`.
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../log.js';

let installed = false;

export function installTemporalRuntime(logger: Logger, level: LogLevel = 'WARN', prometheusBindAddress?: string): void {
  if (installed) return;
  installed = true;
  Runtime.install({
    ...(prometheusBindAddress
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: prometheusBindAddress } } } }
      : {}),
    logger: new DefaultLogger(level, (entry) => {
      const method =
        entry.level === 'ERROR' ? 'error' : entry.level === 'WARN' ? 'warn' : entry.level === 'INFO' ? 'info' : 'debug';
      logger[method]({ ...entry.meta, sdk: true }, entry.message);
    }),
  });
}
