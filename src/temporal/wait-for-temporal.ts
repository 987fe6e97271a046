// Temporal may start after us (compose, Kubernetes): keep trying with exponential back-off and say so in
// the log, instead of exiting and leaning on a restart policy.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log.js';

export interface BackoffOptions {
  logger: Logger;
  address: string;
  initialMs?: number;
  maxMs?: number;
  /** Stops trying (the process is shutting down): the returned promise rejects. */
  signal?: AbortSignal;
}

export async function waitForTemporal<T>(attempt: () => Promise<T>, o: BackoffOptions): Promise<T> {
  const max = o.maxMs ?? 30_000;
  let delay = o.initialMs ?? 500;
  for (let n = 1; ; n++) {
    o.signal?.throwIfAborted();
    try {
      const result = await attempt();
      if (n > 1) o.logger.info({ temporal: o.address, attempts: n }, 'connected to Temporal');
      return result;
    } catch (err) {
      o.logger.warn(
        { temporal: o.address, attempt: n, retryInMs: delay, err: (err as Error).message },
        `waiting for Temporal at ${o.address}`,
      );
      await sleep(delay, undefined, { signal: o.signal });
      delay = Math.min(delay * 2, max);
    }
  }
}
