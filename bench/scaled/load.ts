// The load generator of bench:scaled: signed deliveries sent round-robin over the ingress URLs at a
// bounded concurrency, each answer (or connection failure) recorded with its latency.
import { sign } from '../../src/ingress/signature.js';

export interface Delivery {
  guid: string;
  event: string;
  body: string;
  /** The issue number: the marker that finds this delivery's effect (its comment) in the sandbox. */
  marker: number;
}

export interface Outcome {
  /** HTTP status, or 0 when the connection failed (refused, reset): GitHub counts that as failed too. */
  status: number;
  ms: number;
  target: string;
}

export async function send(url: string, d: Delivery, secret: string): Promise<Outcome> {
  const started = performance.now();
  try {
    const res = await fetch(`${url}/webhook/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': d.event,
        'x-github-delivery': d.guid,
        'x-hub-signature-256': sign(secret, d.body),
      },
      body: d.body,
      signal: AbortSignal.timeout(10_000), // GitHub gives up after 10 s
    });
    await res.arrayBuffer();
    return { status: res.status, ms: performance.now() - started, target: url };
  } catch {
    return { status: 0, ms: performance.now() - started, target: url };
  }
}

/**
 * Sends every delivery once, the i-th to targets()[i % n], `concurrency` at a time; `onSent(i)` runs
 * before the i-th send (the benchmark kills processes from there).
 */
export async function sendAll(
  deliveries: Delivery[],
  targets: () => string[],
  secret: string,
  concurrency: number,
  onSent: (i: number) => void,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(deliveries.length);
  let next = 0;
  const lane = async () => {
    while (next < deliveries.length) {
      const i = next++;
      onSent(i);
      const urls = targets();
      outcomes[i] = await send(urls[i % urls.length]!, deliveries[i]!, secret);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return outcomes;
}

/** GitHub counts a delivery delivered when its answer is 2xx. */
export const accepted = (o: Outcome) => o.status >= 200 && o.status < 300;

/**
 * What GitHub's redelivery (or the redelivery schedule) does for a refused delivery: sends it again with
 * its GUID, a second apart, until it is accepted (at most 10 times). Returns the attempts made.
 */
export async function redeliver(url: string, d: Delivery, secret: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    if (accepted(await send(url, d, secret)) || attempt === 10) return attempt;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
