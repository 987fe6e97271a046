// The reservations (and budget spends) a worker process makes at the same moment go to their count
// workflow together: one batch update per count workflow at a time, carrying every key that arrived while
// the previous one was out. Temporal lets only 10 updates wait on one workflow and aborts them in bulk under pressure;
// 500 pull requests opened together were 500 updates retried in a storm (about one review per 10 s),
// and are now a handful of updates per worker process.
//
// Exactness does not rest on the update's id: the count answers a key it already counted with its first
// answer, so a batch sent twice (a lost response, a retried activity) counts nothing twice.
import { randomUUID } from 'node:crypto';
import type { CountAnswer, CountItem } from '../../workflows/definitions.js';

/** Keys per update: bounds the update's payload in the count's history (about 100 bytes a key). */
export const MAX_BATCH = 200;

/**
 * Longest one batch may take, retries included. A reservation may wait for the batch in flight and then
 * for its own: twice this stays under the reservation activity's 30 s, so a stuck count makes attempts
 * fail and retry (fresh calls) instead of holding every reservation of the month behind it.
 */
export const BATCH_DEADLINE_MS = 12_000;

/**
 * Sends one batch to a count workflow, answering each key in order: an answer, or the error of that key
 * alone. `updateId` stays the same across the batch's retries.
 */
export type SendBatch<T, I = CountItem, A = CountAnswer> = (
  count: T,
  items: I[],
  updateId: string,
) => Promise<PromiseSettledResult<A>[]>;

interface Waiting<I, A> {
  item: I;
  resolve: (answer: A) => void;
  reject: (err: unknown) => void;
}

/**
 * `T` names one count workflow (an account's month, an owner's budget window); `id` is its workflow id;
 * `I` is one key's item and `A` its answer.
 */
export class CountBatches<T, I = CountItem, A = CountAnswer> {
  /** Per count workflow: the keys waiting for the update in flight to come back. */
  private readonly waiting = new Map<string, Waiting<I, A>[]>();

  constructor(private readonly send: SendBatch<T, I, A>) {}

  count(id: string, count: T, item: I): Promise<A> {
    return new Promise((resolve, reject) => {
      const queue = this.waiting.get(id);
      if (queue) return void queue.push({ item, resolve, reject });
      this.waiting.set(id, [{ item, resolve, reject }]);
      void this.drain(id, count);
    });
  }

  /** Sends what waits for count `id`, one update at a time, until nothing does. */
  private async drain(id: string, count: T): Promise<void> {
    const queue = this.waiting.get(id)!;
    while (queue.length) {
      const batch = queue.splice(0, MAX_BATCH);
      try {
        const answers = await this.send(
          count,
          batch.map((w) => w.item),
          randomUUID(),
        );
        if (answers.length !== batch.length) throw new Error(`${answers.length} answers to ${batch.length} keys`);
        batch.forEach((w, i) => {
          const a = answers[i]!;
          if (a.status === 'fulfilled') w.resolve(a.value);
          else w.reject(a.reason);
        });
      } catch (err) {
        batch.forEach((w) => w.reject(err));
      }
    }
    this.waiting.delete(id);
  }
}
