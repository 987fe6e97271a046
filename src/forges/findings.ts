// Line findings as the port gives them to a forge adapter: typed, or records from older histories, the
// malformed left out. (GitLab's adapter keeps a private copy of this, src/forges/gitlab/verbs.ts; it can use
// this one.)
import type { LineFinding } from './port.js';

export function findingsOf(raw: readonly unknown[] | undefined): LineFinding[] {
  const out: LineFinding[] = [];
  for (const r of raw ?? []) {
    const f = r as Partial<LineFinding>;
    const start = Number(f.start_line);
    if (typeof f.path !== 'string' || !f.path || !Number.isSafeInteger(start) || start < 1) continue;
    const end = Number(f.end_line);
    out.push({
      path: f.path,
      start_line: start,
      end_line: Number.isSafeInteger(end) && end >= start ? end : start,
      annotation_level: f.annotation_level ?? 'warning',
      ...(typeof f.title === 'string' && f.title ? { title: f.title } : {}),
      message: typeof f.message === 'string' ? f.message : '',
    });
  }
  return out;
}
