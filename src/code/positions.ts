// Offsets in a source text (UTF-16 code units, as the tree-sitter binding reports them for strings) to
// lines, and where marker text occurs, computed once per file so the walk asks the tree for less.

export class LineIndex {
  /** The offset each line starts at; line n (1-based) starts at starts[n - 1]. */
  private readonly starts: number[] = [0];

  constructor(source: string) {
    for (let i = source.indexOf('\n'); i >= 0; i = source.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  /** The 1-based line of an offset. */
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid]! <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Lines `from` to `to` (1-based, inclusive) without the last line break. */
  text(source: string, from: number, to: number): string {
    return source.slice(this.starts[from - 1], to < this.starts.length ? this.starts[to]! - 1 : source.length);
  }
}

/** Every offset at which one of `markers` starts, ascending. */
export function markerPositions(source: string, markers: string[]): Int32Array {
  const at: number[] = [];
  for (const m of markers) for (let i = source.indexOf(m); i >= 0; i = source.indexOf(m, i + 1)) at.push(i);
  return Int32Array.from(at).sort();
}
