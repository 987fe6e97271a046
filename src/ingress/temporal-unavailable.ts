// Temporal could not be reached (or did not answer in time): the delivery is answered 503, which GitHub
// shows as a failed delivery that can be redelivered.
import type { Client, ConnectionLike } from '@temporalio/client';

export class TemporalUnavailableError extends Error {}

const UNAVAILABLE_GRPC = new Set([4, 14]); // DEADLINE_EXCEEDED, UNAVAILABLE

export function isUnavailable(err: unknown): boolean {
  if (err instanceof TemporalUnavailableError) return true;
  const code =
    (err as { code?: number; cause?: { code?: number } }).code ?? (err as { cause?: { code?: number } }).cause?.code;
  if (code !== undefined && UNAVAILABLE_GRPC.has(code)) return true;
  // The SDK core's client reports a passed deadline as CANCELLED, "Timeout expired", in the cause.
  const messages = [(err as Error).message, (err as { cause?: Error }).cause?.message].join('\n');
  return (err as Error).name === 'ConnectionError' || /connect|unavailable|deadline|timeout expired/i.test(messages);
}

/**
 * `call`'s answer, or a TemporalUnavailableError after `ms`. A deadline alone does not bound the wait: the
 * SDK core's client retries an unreachable server for about ten seconds whatever the deadline, and GitHub
 * waits ten seconds for an answer. A call that completes after the 503 is harmless: the workflow id comes
 * from the delivery GUID, so the redelivery finds it.
 */
/** A call to Temporal with the client, bounded: see `bounded`. */
export type WithDeadline = <T>(fn: (client: Client) => Promise<T>, ms?: number) => Promise<T>;

/**
 * Calls on `client` (or on the client `client()` returns when the call is made), each bounded by `timeoutMs`
 * unless it says otherwise; Temporal not answering becomes a TemporalUnavailableError.
 */
export function deadlineCaller(client: Client | (() => Client), timeoutMs: number): WithDeadline {
  const current = typeof client === 'function' ? client : () => client;
  return async (fn, ms = timeoutMs) => {
    try {
      const c = current();
      return await bounded(c.connection, ms, () => fn(c));
    } catch (err) {
      throw isUnavailable(err) && !(err instanceof TemporalUnavailableError)
        ? new TemporalUnavailableError((err as Error).message)
        : err;
    }
  };
}

/** `fn`'s calls on `connection` under a deadline `ms` from now, and given up on then (see `within`). */
export function bounded<T>(connection: ConnectionLike, ms: number, fn: () => Promise<T>): Promise<T> {
  return within(ms, connection.withDeadline(Date.now() + ms, fn));
}

export function within<T>(ms: number, call: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TemporalUnavailableError(`Temporal did not answer in ${ms} ms`)), ms);
  });
  call.catch(() => undefined); // a failure after the timeout is not an unhandled rejection
  return Promise.race([call, expired]).finally(() => clearTimeout(timer));
}

/** How long the ingress gives Temporal for one delivery, all calls together (GitHub waits 10 s). */
export const DISPATCH_TIMEOUT_MS = 5000;
