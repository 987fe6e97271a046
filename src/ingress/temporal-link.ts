// The ingress's Temporal client, over a NativeConnection: the SDK core's gRPC client, the one the worker
// uses too. In bench:ingress's setup it cost the ingress about 0.2 ms less CPU per start than grpc-js, and
// the dev server 0.3-0.8 ms less per start (why, we have not pinned down). It connects eagerly, so here it connects in the background: the ingress listens (and answers /health) at
// once, and answers deliveries 503 until Temporal is reachable.
import { Client } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { NativeConnection } from '@temporalio/worker';
import type { Logger } from '../log.js';
import { installTemporalRuntime } from '../temporal/runtime-logger.js';
import { waitForTemporal } from '../temporal/wait-for-temporal.js';
import { bounded, TemporalUnavailableError } from './temporal-unavailable.js';

export interface TemporalLink {
  /** The client; a TemporalUnavailableError while Temporal has not been reached yet. */
  client(): Client;
  /** Whether Temporal answers a health check within `ms`. */
  reachable(ms: number): Promise<boolean>;
  close(): Promise<void>;
}

/** `traced`: OpenTelemetry is on, so each start carries the webhook's trace (off, a start carries nothing). */
export function connectInBackground(address: string, namespace: string, logger: Logger, traced = false): TemporalLink {
  installTemporalRuntime(logger); // the core's own warnings (retries) as our JSON log lines
  const stop = new AbortController();
  let connection: NativeConnection | undefined;
  let client: Client | undefined;
  void waitForTemporal(() => NativeConnection.connect({ address }), { logger, address, signal: stop.signal }).then(
    (c) => {
      if (stop.signal.aborted) return void c.close();
      connection = c;
      // The interceptor starts each workflow inside the webhook's span and passes the trace on in its headers.
      // Without tracing it would still write an empty trace header into every start (and history).
      client = new Client({
        connection: c,
        namespace,
        interceptors: { workflow: traced ? [new OpenTelemetryWorkflowClientInterceptor()] : [] },
      });
    },
    () => undefined, // closed before Temporal answered
  );
  return {
    client() {
      if (!client) throw new TemporalUnavailableError(`not connected to Temporal at ${address} yet`);
      return client;
    },
    async reachable(ms) {
      if (!connection) return false;
      const c = connection;
      return bounded(c, ms, () => c.healthService.check({})).then(
        () => true,
        () => false,
      );
    },
    async close() {
      stop.abort();
      await connection?.close();
    },
  };
}
