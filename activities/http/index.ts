// The http node of flows: call a deploy hook with an idempotency key, so a retry after a crash cannot
// deploy twice at a hook that honours the key. 5xx and network errors are retried by Temporal; other
// non-2xx answers end the node with the status.
import { ApplicationFailure } from '@temporalio/common';

export interface HttpCall {
  url: string;
  method: string;
  headers?: Record<string, string>;
  body?: string;
  idempotencyKey: string;
  timeoutMs: number;
}

export function createHttpActivities() {
  return {
    async httpCall(input: HttpCall): Promise<{ status: number; body: string }> {
      const res = await fetch(input.url, {
        method: input.method,
        headers: { 'content-type': 'application/json', 'idempotency-key': input.idempotencyKey, ...input.headers },
        body: input.method === 'GET' ? undefined : input.body,
        signal: AbortSignal.timeout(input.timeoutMs),
      });
      const body = (await res.text()).slice(0, 4000);
      if (res.status >= 500) throw ApplicationFailure.create({ type: 'HttpServerError', message: `${input.method} ${new URL(input.url).host} answered ${res.status}` });
      if (!res.ok) throw ApplicationFailure.create({ type: `Http${res.status}`, message: `${input.method} ${new URL(input.url).host} answered ${res.status}: ${body.slice(0, 200)}`, nonRetryable: true });
      return { status: res.status, body };
    },
  };
}

export type HttpActivities = ReturnType<typeof createHttpActivities>;
