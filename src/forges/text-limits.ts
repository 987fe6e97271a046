// A forge's limit on a text it stores, and `fit`, which keeps a text within one: cut on a code-point
// boundary, with a visible note saying so and whose limit it was. Each adapter declares its forge's limits
// (GitHub's in src/forges/github/limits.ts). Pure: workflow code may use it. Characters are counted as
// UTF-16 code units, never fewer than the forges' code points.

export type Unit = 'chars' | 'bytes';

export interface Limit {
  max: number;
  unit: Unit;
  /** Whose limit it is, as the cut note says it ("GitLab's"); GitHub's when not said. */
  of?: string;
}

/** UTF-8 length of one code point (a lone surrogate is sent as U+FFFD: 3 bytes). */
const utf8Length = (cp: number) => (cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4);

/** The size of a text in `unit`. */
export function sizeOf(text: string, unit: Unit): number {
  if (unit === 'chars') return text.length;
  let bytes = 0;
  for (const ch of text) bytes += utf8Length(ch.codePointAt(0)!);
  return bytes;
}

/** The note that ends a cut text: a sentence for long texts, an ellipsis for short fields. */
export function cutNote(limit: Limit): string {
  if (limit.max < 1000) return '…';
  return `\n\n…(cut: longer than ${limit.of ?? "GitHub's"} limit of ${limit.max} ${limit.unit === 'bytes' ? 'bytes' : 'characters'})`;
}

/**
 * The text within `limit`: unchanged when it fits, else its longest prefix that leaves room for `note`,
 * cut between code points, followed by the note.
 */
export function fit(text: string, limit: Limit, note = cutNote(limit)): string {
  if (sizeOf(text, limit.unit) <= limit.max) return text;
  const room = Math.max(0, limit.max - sizeOf(note, limit.unit));
  let used = 0;
  let end = 0;
  for (const ch of text) {
    const size = limit.unit === 'chars' ? ch.length : utf8Length(ch.codePointAt(0)!);
    if (used + size > room) break;
    used += size;
    end += ch.length;
  }
  return text.slice(0, end) + note;
}

/** A limit made smaller by a suffix that goes after the fitted text (an operation marker). */
export const less = (limit: Limit, suffix: string): Limit => ({
  ...limit,
  max: limit.max - sizeOf(suffix, limit.unit),
});
