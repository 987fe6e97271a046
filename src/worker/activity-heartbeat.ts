// Every activity heartbeats while it runs, so an activity whose worker died (a SIGKILL, a lost node) is
// retried after its heartbeat timeout (seconds) instead of its start-to-close timeout (minutes). The
// activities stay free of heartbeat code; the workflows choose which proxies set a heartbeat timeout.
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

export function activityHeartbeat(everyMs = 2_000): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const timer = setInterval(() => ctx.heartbeat(), everyMs);
        try {
          return await next(input);
        } finally {
          clearInterval(timer);
        }
      },
    },
  });
}
