// A Bloom filter of fixed size: it answers "never added" exactly and "maybe added" with an error rate
// that grows with what was added (at 1 Mbit and 7 hashes: 0.04 % after 60,000 keys, 12 % after
// 200,000). The month's quota count carries one across continue-as-new, so its state stays the same size
// at any volume; a "maybe" is settled exactly by the pull request's ledger. Pure and deterministic:
// workflow code uses it.

export const BLOOM_BYTES = 1 << 17;
const HASHES = 7;

/** FNV-1a over the key's UTF-16 code units from an offset basis, then murmur3's finalizer: FNV alone
 * mixes upwards only, and the positions come from the low bits. */
function hash(key: string, basis: number): number {
  let h = basis;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The bit positions of a key: h1 + i·h2 (Kirsch and Mitzenmacher). */
function positions(key: string): number[] {
  const h1 = hash(key, 0x811c9dc5);
  const h2 = hash(key, 0x01234567);
  const bits = BLOOM_BYTES * 8;
  return Array.from({ length: HASHES }, (_, i) => ((h1 + Math.imul(i, h2)) >>> 0) % bits);
}

export function bloomAdd(filter: Uint8Array, key: string): void {
  for (const p of positions(key)) filter[p >> 3]! |= 1 << (p & 7);
}

export function bloomMayHave(filter: Uint8Array, key: string): boolean {
  return positions(key).every((p) => (filter[p >> 3]! & (1 << (p & 7))) !== 0);
}
