// Line findings as the port gives them to a forge adapter (typed, or records from older histories, the
// malformed left out), and the hidden marker each finding's write carries where a forge keeps them as text
// or ids (GitLab's discussions, Bitbucket's annotations): the same for the same finding of the same head.
import { createHash } from 'node:crypto';
import type { LineFinding } from './port.js';

/**
 * The hidden marker of a finding: with its `key`, the same for the same finding on any head (the same title
 * in the same function's same code); without, the same for the same text at the same place of the same head.
 */
export function findingMarker(
  headSha: string,
  f: { path: string; start_line: number; title?: string; key?: string },
): string {
  const key = createHash('sha256')
    .update(
      JSON.stringify(f.key ? ['key', f.path, f.key, f.title ?? ''] : [headSha, f.path, f.start_line, f.title ?? '']),
    )
    .digest('hex')
    .slice(0, 24);
  return `<!-- aof:finding=${key} -->`;
}

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
      ...(typeof f.key === 'string' && f.key ? { key: f.key.slice(0, 200) } : {}),
    });
  }
  return out;
}
