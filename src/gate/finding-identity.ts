// Who a finding is across pushes: its function, its category (reviewer) and the code it is about, never
// its line number, so a finding whose code moves keeps its identity and its thread. Pure and deterministic
// (workflow code computes it from the analysed functions' code): no node:crypto, a 64-bit FNV-1a instead.
import type { AnalysedFunction, ReviewerResult } from './types.js';

/** FNV-1a over UTF-16 code units, twice with different offsets: 16 hex digits. */
function fnv64(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x01000193 + 2) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

/** The code of a finding's lines as it matters for identity: whitespace collapsed, each line trimmed. */
const codeOf = (lines: string[]) =>
  lines
    .map((l) => l.trim().replace(/\s+/g, ' '))
    .filter(Boolean)
    .join('\n');

/**
 * `fn`'s results with each finding's identity: `<function>:<reviewer>:<hash of its code>`, with `#n` for the
 * n-th repeat of the same code in the same function and category. A finding on a line outside the
 * function's code (none should be) falls back to its offset in it.
 */
export function identified(
  fn: Pick<AnalysedFunction, 'name' | 'code' | 'startLine'>,
  results: readonly ReviewerResult[],
): ReviewerResult[] {
  const lines = fn.code.split('\n');
  return results.map((r) => {
    const seen = new Map<string, number>();
    const findings = r.findings.map((f) => {
      const from = f.line - fn.startLine;
      const to = (f.end_line ?? f.line) - fn.startLine;
      const code = from >= 0 && from < lines.length ? codeOf(lines.slice(from, to + 1)) : `@${from}`;
      const base = `${fn.name.slice(0, 120)}:${r.reviewer}:${fnv64(code)}`;
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      return { ...f, identity: n === 1 ? base : `${base}#${n}` };
    });
    return { ...r, findings };
  });
}
