// The quota count's Bloom filter: never a false "not added" (that would count a head twice), and false
// "maybe added" answers as rare as its header says (each costs a ledger lookup, not a wrong count).
import assert from 'node:assert/strict';
import { BLOOM_BYTES, bloomAdd, bloomMayHave } from '../../src/gate/bloom.js';

const head = (i: number) => `octo/repo-${i % 700}#${i % 300}@${(i * 2654435761).toString(16).padStart(40, '0')}`;

describe('the quota Bloom filter', () => {
  it('has every key added, and after 60,000 keys wrongly "maybe" has under 0.1 % of others', () => {
    const filter = new Uint8Array(BLOOM_BYTES);
    for (let i = 0; i < 60_000; i++) bloomAdd(filter, head(i));
    for (let i = 0; i < 60_000; i++) assert.ok(bloomMayHave(filter, head(i)), `key ${i} lost`);
    let wrong = 0;
    for (let i = 60_000; i < 160_000; i++) if (bloomMayHave(filter, head(i))) wrong++;
    assert.ok(wrong < 100, `${wrong} of 100,000 other keys answered "maybe"`);
  });
});
