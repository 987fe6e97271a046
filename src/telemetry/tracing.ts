// OpenTelemetry tracing for one process, on when OTEL_EXPORTER_OTLP_ENDPOINT (or the traces-only
// variable) is set: spans go to that OTLP/HTTP collector in batches. Registering the provider also
// installs the async context manager and the W3C propagator that the Temporal interceptors use to carry
// the trace from the webhook into the workflow and each activity.
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

export interface Tracing {
  resource: Resource;
  spanProcessor: SpanProcessor;
  shutdown(): Promise<void>;
}

export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return (
    Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) &&
    env.OTEL_TRACES_EXPORTER !== 'none'
  );
}

/** Starts tracing for this process, or returns undefined when no collector is configured. */
export function startTracing(
  component: 'ingress' | 'worker',
  env: NodeJS.ProcessEnv = process.env,
): Tracing | undefined {
  if (!tracingEnabled(env)) return undefined;
  const resource = new Resource({ [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME ?? `aof-temporal-${component}` });
  // The exporter reads the endpoint and headers from the standard OTEL_EXPORTER_OTLP_* variables.
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  return { resource, spanProcessor, shutdown: () => provider.shutdown() };
}
