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
