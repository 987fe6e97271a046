// A workflow's whole history as searchable text, payloads decoded: for asserting what never (or always)
// enters a history, such as credentials.
import type { WorkflowHandle } from '@temporalio/client';

function decode(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return value.map(decode);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decode(v)]));
  return value;
}

export async function historyText(handle: WorkflowHandle): Promise<string> {
  return JSON.stringify(decode(await handle.fetchHistory()));
}

/** The size in bytes of the largest payload anywhere in a workflow's history (inputs, results, signals). */
export async function largestPayload(handle: WorkflowHandle): Promise<number> {
  let largest = 0;
  const visit = (value: unknown): void => {
    if (!value || typeof value !== 'object') return;
    if (value instanceof Uint8Array) return;
    const payload = value as { data?: unknown; metadata?: unknown };
    if (payload.data instanceof Uint8Array && payload.metadata) largest = Math.max(largest, payload.data.length);
    for (const v of Array.isArray(value) ? value : Object.values(value)) visit(v);
  };
  visit(await handle.fetchHistory());
  return largest;
}
