// Counts and times every activity attempt, whatever the activity, as an inbound interceptor: activity
// code stays free of metrics.
import { CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { WorkerMetrics } from '../telemetry/worker-metrics.js';

export function activityMetrics(metrics: WorkerMetrics): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const labels = { activity: ctx.info.activityType, task_queue: ctx.info.taskQueue };
        const stop = metrics.activitySeconds.startTimer(labels);
        let outcome = 'failed';
        try {
          const result = await next(input);
          outcome = 'completed';
          return result;
        } catch (err) {
          if (err instanceof CancelledFailure) outcome = 'cancelled';
          throw err;
        } finally {
          stop();
          metrics.activities.inc({ ...labels, outcome });
        }
      },
    },
  });
}
