// The per-process batcher of quota reservations: one update in flight per count, the keys that arrive
// meanwhile in the next one (at most MAX_BATCH), each caller answered by position, a key's own error only
// to that key, and a failed send to the keys of that batch alone.
import assert from 'node:assert/strict';
import { CountBatches, MAX_BATCH } from '../../activities/quota/count-batches.js';
import type { CountAnswer, CountItem } from '../../workflows/definitions.js';

const grant = (used: number): CountAnswer => ({ allowed: true, used, limit: 1000 });

describe('quota reservation batches', () => {
  it('one send in flight per count; what arrives meanwhile goes in the next, at most MAX_BATCH a send', async () => {
    const sends: { count: string; keys: string[] }[] = [];
    let inFlight = 0;
    let most = 0;
    const batches = new CountBatches<string>(async (count, items) => {
      most = Math.max(most, ++inFlight);
      sends.push({ count, keys: items.map(([k]) => k) });
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return items.map(([key]) => ({ status: 'fulfilled', value: grant(Number(key.slice(1))) }));
    });
    const item = (k: string): CountItem => [k, 1000, null];
    const answers = await Promise.all([
      ...Array.from({ length: 450 }, (_, i) => batches.count('a', 'a', item(`k${i}`))),
      batches.count('b', 'b', item('k7')),
    ]);
    assert.deepEqual(
      answers.map((a) => ('used' in a ? a.used : -1)),
      [...Array.from({ length: 450 }, (_, i) => i), 7],
    );
    const a = sends.filter((s) => s.count === 'a').map((s) => s.keys.length);
    assert.deepEqual(a, [1, MAX_BATCH, MAX_BATCH, 49], 'the first key alone, then full batches');
    assert.equal(most, 2, 'one send per count at a time (two counts)');
  });

  it("a key's own error reaches that key alone; a failed send reaches its batch and not the next", async () => {
    let sent = 0;
    const batches = new CountBatches<string>(async (_count, items) => {
      if (++sent === 2) throw new Error('send failed');
      await new Promise((r) => setTimeout(r, 5));
      return items.map(([key]) =>
        key === 'bad' ? { status: 'rejected', reason: new Error('bad key') } : { status: 'fulfilled', value: grant(1) },
      );
    });
    const first = batches.count('c', 'c', ['bad', 1000, null]);
    const second = [batches.count('c', 'c', ['x', 1000, null]), batches.count('c', 'c', ['y', 1000, null])];
    await assert.rejects(first, /bad key/);
    for (const s of second) await assert.rejects(s, /send failed/);
    assert.deepEqual(await batches.count('c', 'c', ['z', 1000, null]), grant(1));
  });
});
