// One OpenTelemetry span per webhook delivery, active while the handler runs, so the Temporal client
// interceptor starts the workflow as its child and the trace continues into the worker. Without a
// registered tracer provider (OTEL_EXPORTER_OTLP_ENDPOINT unset) this costs nothing.
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Middleware } from 'koa';

export function ingressTracing(): Middleware {
  const tracer = trace.getTracer('aof-temporal/ingress');
  return (ctx, next) => {
    if (ctx.path !== '/webhook/github') return next();
    return tracer.startActiveSpan(
      `webhook ${ctx.get('x-github-event') || 'unknown'}`,
      { kind: SpanKind.SERVER },
      async (span) => {
        try {
          await next();
        } finally {
          span.setAttributes({
            'github.delivery': ctx.get('x-github-delivery'),
            'github.event': ctx.get('x-github-event'),
            'http.response.status_code': ctx.status,
          });
          if (ctx.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
        }
      },
    );
  };
}
