// Line findings as the port gives them to a forge adapter (typed, or records from older histories, the
// malformed left out), and the hidden marker each finding's write carries where a forge keeps them as text
// or ids (GitLab's discussions, Bitbucket's annotations): the same for the same finding of the same head.
import { createHash } from 'node:crypto';
import type { LineFinding, ReviewFinding, ReviewLineComment } from './port.js';

/**
 * The hidden marker of a finding: with its `key`, the same for the same finding on any head (the same title
 * in the same function's same code); without, the same for the same text at the same place of the same head.
 */
export function findingMarker(
  headSha: string,
  f: { path: string; start_line: number; title?: string; key?: string },
): string {
  const key = createHash('sha256')
    .update(JSON.stringify(f.key ? ['key', f.path, f.key] : [headSha, f.path, f.start_line, f.title ?? '']))
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

/**
 * The hidden marker of a review thread's finding (report: review): the same for the same finding on any head
 * whatever its severity or wording, by its identity (function, category, code) and file.
 */
export function threadMarker(f: { path: string; key: string }): string {
  const key = createHash('sha256')
    .update(JSON.stringify(['thread', f.path, f.key]))
    .digest('hex')
    .slice(0, 24);
  return `<!-- aof:finding=${key} -->`;
}

/** The finding marker a comment ends with (the bot's own line: a marker quoted inside the text does not count). */
export function endingMarker(body: string): string | undefined {
  return /(<!-- aof:finding=[0-9a-f]+ -->)\s*$/.exec(body)?.[1];
}

/**
 * A finding's replacement as a suggestion block the author can commit (GitHub's and GitLab's ```suggestion;
 * `range`: GitLab's `:-0+n` for a finding of several lines). The fence is longer than any run of backticks
 * in the code, so the code cannot end it. Where the forge has none (`plain`), the code is shown.
 */
export function suggestionBlock(replacement: string, opts: { range?: string; plain?: boolean } = {}): string {
  const longest = Math.max(0, ...[...replacement.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  const info = opts.plain ? '' : `suggestion${opts.range ?? ''}`;
  return `${fence}${info}\n${replacement}${replacement && !replacement.endsWith('\n') ? '\n' : ''}${fence}`;
}

/** A person's reply that dismisses a finding: it is wrong, a false positive, or will not be fixed. */
export const DISMISSAL =
  /\b(?:won'?t fix|wontfix|not (?:a bug|an issue|a problem)|false positive|(?:this|that|it) is wrong|ignore (?:this|it))\b/i;

/** The body of a finding's thread: its title, message and suggestion, and its marker last. */
export function threadBody(f: ReviewFinding, marker: string, suggestion?: { range?: string; plain?: boolean }): string {
  const head = f.title ? `**${f.title}**\n\n` : '';
  const block =
    f.replacement !== undefined && suggestion
      ? `\n\n${suggestion.plain ? 'Suggested code:\n\n' : ''}${suggestionBlock(f.replacement, suggestion)}`
      : '';
  return `${head}${f.message}${block}\n\n${marker}`;
}

/**
 * A review's line comments as text, for a forge whose reviews have none (GitLab's and Bitbucket's review
 * is a comment): each with its place, and its replacement shown as code.
 */
export function lineCommentsAsText(comments: readonly ReviewLineComment[] | undefined): string {
  return (comments ?? [])
    .map((c) => {
      const lines = c.start_line !== undefined ? `${c.start_line}-${c.line}` : `${c.line}`;
      const code =
        c.replacement !== undefined ? `\n\nSuggested code:\n\n${suggestionBlock(c.replacement, { plain: true })}` : '';
      return `\n\n---\n\`${c.path}:${lines}\`: ${c.body}${code}`;
    })
    .join('');
}
