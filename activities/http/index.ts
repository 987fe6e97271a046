// The http node of flows: call a deploy hook with an idempotency key, so a retry after a crash cannot
// deploy twice at a hook that honours the key. The request is rendered here, in the worker: credentials
// named by the YAML (`${DEPLOY_TOKEN}`) are read from the worker's environment and never enter workflow
// history. 5xx and network errors are retried by Temporal; other non-2xx answers end the node.
import { ApplicationFailure } from '@temporalio/common';
import { MissingVariableError, renderHttpRequest, type HttpTemplate } from '../../src/flows/http-request.js';

export interface HttpCall {
  /** Rendered by workflows recorded before templates moved into the worker. */
  url?: string;
  /** The node's url, body and headers as written in the YAML, and the event values they read. */
  template?: HttpTemplate;
  values?: Record<string, string>;
  method: string;
  headers?: Record<string, string>;
  body?: string;
  idempotencyKey: string;
  timeoutMs: number;
}

function request(input: HttpCall): { url: string; body?: string; headers: Record<string, string> } {
  if (!input.template) return { url: input.url!, body: input.body, headers: input.headers ?? {} };
  try {
    const r = renderHttpRequest(input.template, input.values ?? {}, process.env);
    return { ...r, body: r.body ?? input.body };
  } catch (err) {
    if (err instanceof MissingVariableError)
      throw ApplicationFailure.create({ type: 'HttpConfig', message: err.message, nonRetryable: true });
    throw err;
  }
}

export function createHttpActivities() {
  return {
    async httpCall(input: HttpCall): Promise<{ status: number; body: string }> {
      const { url, body, headers } = request(input);
      const where = `${input.method} ${new URL(url).host}`; // never the path or query: they may carry tokens
      const res = await fetch(url, {
        method: input.method,
        headers: { 'content-type': 'application/json', ...headers, 'idempotency-key': input.idempotencyKey },
        body: input.method === 'GET' ? undefined : body,
        signal: AbortSignal.timeout(input.timeoutMs),
      });
      const text = (await res.text()).slice(0, 4000);
      if (res.status >= 500)
        throw ApplicationFailure.create({ type: 'HttpServerError', message: `${where} answered ${res.status}` });
      if (!res.ok)
        throw ApplicationFailure.create({
          type: `Http${res.status}`,
          message: `${where} answered ${res.status}: ${text.slice(0, 200)}`,
          nonRetryable: true,
        });
      return { status: res.status, body: text };
    },
  };
}

export type HttpActivities = ReturnType<typeof createHttpActivities>;
