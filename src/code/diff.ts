// Which lines of the head version a unified-diff patch touches. Added lines count as changed; a hunk
// that only deletes marks the line where the deletion happened, so the function it was cut from counts
// as changed too.

export interface ChangedLines {
  /** 1-based line numbers in the head version. */
  lines: Set<number>;
  added: number;
  deleted: number;
}

export function changedLines(patch: string): ChangedLines {
  const lines = new Set<number>();
  let added = 0;
  let deleted = 0;
  let next = 0; // the head line the next context or added line has
  let inHunk = false;
  for (const raw of patch.split('\n')) {
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(raw);
    if (hunk) {
      next = Number(hunk[1]);
      inHunk = true;
      continue;
    }
    if (!inHunk || raw.startsWith('\\')) continue; // "\ No newline at end of file"
    if (raw.startsWith('+')) {
      lines.add(next++);
      added++;
    } else if (raw.startsWith('-')) {
      deleted++;
      lines.add(Math.max(1, next)); // the deletion point: the head line now in its place
    } else {
      next++;
    }
  }
  return { lines, added, deleted };
}
