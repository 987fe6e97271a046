// What a review covered, for the check's summary: every changed function reviewed, reused from an earlier
// push (unchanged), or left out and why. Built from the review's verdict (src/gate/verdict.ts), whose lists
// are already bounded; the reasons of files left out are grouped into the kinds users ask about.
import type { GateVerdict } from './verdict.js';
import type { SkippedFile } from './types.js';

/** Paths whose code nobody writes by hand: not reviewed (the gate would only repeat their generator's style). */
const GENERATED_OR_VENDORED = [
  /(^|\/)(vendor|node_modules|third_party|bower_components)\//,
  /\.min\.(js|css)$/,
  /\.generated\.[^/]+$/,
  /(^|\/)[^/]*_pb2(_grpc)?\.py$/,
  /\.pb(\.gw)?\.go$/,
  /_generated\.go$/,
];

export const generatedOrVendored = (path: string) => GENERATED_OR_VENDORED.some((re) => re.test(path));

/** The kinds of "not analysed", in the order the summary lists them. */
export const SKIP_KINDS = [
  'path filter',
  'generated or vendored',
  'binary',
  'language',
  'size cap',
  'parse limit',
  'no changed function',
  'quota',
  'other',
] as const;
export type SkipKind = (typeof SKIP_KINDS)[number];

/** The kind of a reason as the analysis words it (activities/forge/pull-analysis.ts, activities/code/extract.ts). */
export function skipKind(reason: string): SkipKind {
  if (reason.startsWith('path filter')) return 'path filter';
  if (reason === 'generated or vendored path') return 'generated or vendored';
  if (/binary/.test(reason)) return 'binary';
  if (reason === 'language not supported') return 'language';
  if (/size limit|result limit|too large|pages of changed files/.test(reason)) return 'size cap';
  if (reason.startsWith('not parsed')) return 'parse limit';
  if (reason === 'no function changed') return 'no changed function';
  if (/quota/.test(reason)) return 'quota';
  return 'other';
}

/** A function left out is named `path (name)` in the analysis's list; a file is its path. */
const isFunction = (s: SkippedFile) => / \([^)]*\)$/.test(s.path) && /not analysed/.test(s.reason);

/** The summary's coverage section: counts, then the bounded lists of the verdict. */
export function coverageLines(verdict: GateVerdict, listed = 20): string[] {
  const c = verdict.coverage;
  const leftOut = c.skipped.filter(isFunction).length;
  const byKind = new Map<SkipKind, number>();
  for (const s of c.skipped) byKind.set(skipKind(s.reason), (byKind.get(skipKind(s.reason)) ?? 0) + 1);
  const unlisted = c.skippedTotal - c.skipped.length;
  const kinds = SKIP_KINDS.filter((k) => byKind.has(k)).map((k) => `${k}: ${byKind.get(k)}`);
  const names = (fns: { path: string; name: string }[], total: number) => [
    ...fns.slice(0, listed).map((f) => `  - \`${f.path}\` \`${f.name}\``),
    ...(total > Math.min(listed, fns.length) ? [`  - …and ${total - Math.min(listed, fns.length)} more`] : []),
  ];
  return [
    '**Coverage**',
    `- ${c.reviewedTotal} function(s) reviewed`,
    ...names(c.reviewed, c.reviewedTotal),
    `- ${c.reusedTotal} function(s) reused from an earlier push (unchanged)`,
    ...names(c.reused, c.reusedTotal),
    `- ${leftOut} function(s) and ${c.skippedTotal - leftOut} file(s) not analysed${kinds.length ? ` (${kinds.join(', ')}${unlisted ? `, ${unlisted} more not listed` : ''})` : ''}`,
  ];
}
