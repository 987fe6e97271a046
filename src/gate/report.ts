// What the gate shows on GitHub: the check run's conclusion, title, summary and annotations, and the one
// PR comment (found again by its hidden marker). Pure functions of the review's outcome.
import type { Usage } from '../agents/model-types.js';
import { fit as fitWithin, LIMITS, type Limit } from '../forges/github/limits.js';
import type { ReviewFinding, ReviewThreads } from '../forges/port.js';
import {
  MAX_REPLACEMENT,
  SEVERITIES,
  type FunctionReview,
  type ReviewerName,
  type Severity,
  type SkippedFile,
} from './types.js';
import { fails, type FailOn } from './repo-rules.js';
import { coverageLines } from './coverage.js';
import { verdictOf } from './verdict.js';

export const ANNOTATIONS_PER_REQUEST = 50;
export const COMMENT_MARKER = '<!-- aof-gate-check -->';

export interface ReviewOutcome {
  title: string;
  reviews: FunctionReview[];
  skipped: SkippedFile[];
  reused: number;
  tokensUsed: number;
  /** Model tokens by kind, when known: input (cache writes included), read from the prompt cache, output. */
  usage?: Usage;
  tokensSaved: number;
  tier: string;
  upsell?: { title: string; text: string };
  upgradeUrl: string;
  /** The check is this commit status, not a check run: the token is not a GitHub App's. */
  statusOnly?: string;
  /** What the review's line threads became (report: review). */
  threads?: ReviewThreads;
  /** The repository's configuration: where it came from, what is wrong with it, what a change to it would do. */
  configNotes?: string[];
}

export type Conclusion = 'success' | 'failure' | 'neutral';

const LEVEL: Record<Severity, 'failure' | 'warning' | 'notice'> = {
  critical: 'failure',
  high: 'failure',
  medium: 'warning',
  low: 'notice',
  info: 'notice',
};

export function allFindings(o: Pick<ReviewOutcome, 'reviews'>) {
  return o.reviews.flatMap((r) =>
    r.results.flatMap((res) =>
      res.findings.map((f) => ({
        ...f,
        reviewer: res.reviewer,
        path: r.fn.path,
        fn: r.fn.name,
        fnHash: r.fn.hash as string | undefined,
        fnStart: r.fn.startLine,
        changedLines: r.fn.changedLines as number[] | undefined,
      })),
    ),
  );
}

/**
 * `failOn`: the severity that fails the check (the repository's `gate.fail_on`; absent: critical); `never`
 * makes the gate advisory, neutral where it would have failed.
 */
export function conclusionOf(o: Pick<ReviewOutcome, 'reviews'>, failOn?: FailOn): Conclusion {
  const findings = allFindings(o);
  if (o.reviews.length === 0) return 'neutral';
  if (findings.some((f) => fails(f.severity, failOn === 'never' ? undefined : failOn)))
    return failOn === 'never' ? 'neutral' : 'failure';
  if (findings.length > 0 && findings.every((f) => f.severity === 'info')) return 'neutral';
  return 'success';
}

export const checkTitle = (o: ReviewOutcome) => `${o.title} Gate Check — ${allFindings(o).length} findings`;

/** The model tokens by kind, as billed: input (cache writes included), read from the prompt cache, output. */
export function tokenLine(u: Usage): string {
  const input = u.input_tokens + u.cache_creation_input_tokens;
  return `Model tokens: ${input} input, ${u.cache_read_input_tokens} read from the prompt cache, ${u.output_tokens} output.`;
}

/** Keeps text within GitHub's limit (a check run's summary: bytes), saying so when it had to cut. */
export function fit(text: string, limit: Limit = LIMITS.checkSummary): string {
  return fitWithin(
    text,
    limit,
    '\n\n…(cut: the full report is longer than GitHub allows; see the annotations and the PR comment)',
  );
}

export function checkSummary(o: ReviewOutcome): string {
  const findings = allFindings(o);
  const reviewers = [...new Set(o.reviews.flatMap((r) => r.results.map((x) => x.reviewer)))] as ReviewerName[];
  const count = (pred: (f: (typeof findings)[number]) => boolean) => findings.filter(pred).length;
  const lines = [
    `Analysed ${o.reviews.length} changed function(s)${o.reused ? `, ${o.reused} reused from an earlier review` : ''}.`,
    '',
    `| severity | ${reviewers.join(' | ')} | total |`,
    `| --- | ${reviewers.map(() => '---').join(' | ')} | --- |`,
    ...SEVERITIES.map(
      (s) =>
        `| ${s} | ${reviewers.map((r) => count((f) => f.severity === s && f.reviewer === r)).join(' | ')} | ${count((f) => f.severity === s)} |`,
    ),
  ];
  const errors = o.reviews.flatMap((r) =>
    r.results.filter((x) => x.error).map((x) => `- ${r.fn.path} \`${r.fn.name}\` (${x.reviewer}): ${x.error}`),
  );
  if (o.threads) lines.push('', threadsLine(o.threads));
  if (o.usage && o.tokensUsed) lines.push('', tokenLine(o.usage));
  if (errors.length) lines.push('', '**Reviewer errors** (the rest of the review stands):', ...errors);
  if (o.configNotes?.length) lines.push('', ...o.configNotes);
  // Every changed function: reviewed, reused or left out with why (the verdict's bounded lists).
  lines.push('', ...coverageLines(verdictOf(o, '', '')));
  if (o.skipped.length) lines.push('', '**Not analysed**:', ...o.skipped.map((s) => `- ${s.path}: ${s.reason}`));
  return fit(lines.join('\n'));
}

/** An annotation's identity as GitLab's discussions use it: its function's code, its reviewer, its line within it. */
const annotationKey = (f: ReturnType<typeof allFindings>[number]) =>
  f.fnHash ? `${f.fnHash}:${f.reviewer}:${f.line - f.fnStart}` : undefined;

export function annotations(o: Pick<ReviewOutcome, 'reviews'>) {
  return allFindings(o).map((f) => ({
    ...(annotationKey(f) ? { key: annotationKey(f) } : {}),
    path: f.path,
    start_line: f.line,
    end_line: Math.max(f.line, f.end_line ?? f.line),
    annotation_level: LEVEL[f.severity],
    title: `${f.reviewer}: ${f.severity} in ${f.fn}`.slice(0, 255),
    message: f.message.slice(0, 64 * 1024),
    ...(f.suggestion ? { raw_details: `Suggestion: ${f.suggestion}`.slice(0, 64 * 1024) } : {}),
  }));
}

/** Findings posted as review threads at most, the most severe first: the rest stay in the check and comment. */
export const REVIEW_FINDINGS_MAX = 60;
/** Their text (messages and replacements) at most, in characters: what crosses into the review's history. */
export const REVIEW_TEXT_MAX = 100_000;
const RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

/**
 * The findings a review posts as line threads (report: review): each with its identity, whether all its
 * lines are changed lines of the diff (where every forge takes a line comment), and its replacement where
 * the reviewer gave one. Bounded: REVIEW_FINDINGS_MAX findings, REVIEW_TEXT_MAX characters of text, each
 * replacement within MAX_REPLACEMENT.
 */
export function reviewFindings(o: Pick<ReviewOutcome, 'reviews'>): ReviewFinding[] {
  const out: ReviewFinding[] = [];
  let room = REVIEW_TEXT_MAX;
  const ranked = allFindings(o)
    .map((f, i) => ({ f, i }))
    .sort((a, b) => RANK[a.f.severity] - RANK[b.f.severity] || a.i - b.i);
  for (const { f } of ranked) {
    // Who the finding is across pushes: its function, reviewer and code (src/gate/finding-identity.ts).
    const key = f.identity ?? annotationKey(f);
    if (!key) continue;
    const end = Math.max(f.line, f.end_line ?? f.line);
    const changed = new Set(f.changedLines ?? []);
    let onDiff = true;
    for (let l = f.line; l <= end && onDiff; l++) onDiff = changed.has(l);
    const message = `${f.message}${f.suggestion ? `\n\nSuggestion: ${f.suggestion}` : ''}`.slice(0, 4000);
    const replacement =
      f.replacement !== undefined && f.replacement.length <= MAX_REPLACEMENT ? f.replacement : undefined;
    room -= message.length + (replacement?.length ?? 0);
    if (room < 0) break;
    out.push({
      key,
      path: f.path,
      start_line: f.line,
      end_line: end,
      annotation_level: LEVEL[f.severity],
      title: `${f.reviewer}: ${f.severity} in ${f.fn}`.slice(0, 255),
      message,
      onDiff,
      ...(replacement !== undefined ? { replacement } : {}),
    });
    if (out.length >= REVIEW_FINDINGS_MAX) break;
  }
  return out;
}

/** What became of the review's threads, as the summary and comment say it. */
export function threadsLine(t: ReviewThreads): string {
  const parts = [`${t.new} new`, `${t.remaining} remaining`, `${t.fixed} fixed (threads resolved)`];
  if (t.dismissed) parts.push(`${t.dismissed} dismissed by a person (not raised again)`);
  if (t.notOnDiff) parts.push(`${t.notOnDiff} outside the changed lines (in the check only)`);
  return `Review threads: ${parts.join(', ')}.${t.url ? ` [Review](${t.url})` : ''}`;
}

export function prComment(o: ReviewOutcome, conclusion: Conclusion, checkUrl?: string): string {
  const findings = allFindings(o);
  const byCategory = new Map<string, typeof findings>();
  for (const f of findings) byCategory.set(f.reviewer, [...(byCategory.get(f.reviewer) ?? []), f]);
  const icon = { success: '✅', failure: '❌', neutral: '⚪' }[conclusion];
  const eligible = o.reviews.filter((r) => Math.min(...r.results.map((x) => x.score)) < 80);
  const lines = [
    COMMENT_MARKER,
    `## ${icon} ${checkTitle(o)}`,
    '',
    ...(o.statusOnly
      ? [
          `> Check runs need a GitHub App: with this personal token the gate shows as the commit status \`${o.statusOnly}\`, without annotations; every finding is listed here. Connect a GitHub App (app id and private key) to get the check run.`,
          '',
        ]
      : []),
    ...(o.threads ? [threadsLine(o.threads), ''] : []),
    `**${o.reviews.length}** function(s) analysed${o.reused ? ` (${o.reused} reused from an earlier review of this PR, ~${o.tokensSaved} tokens saved)` : ''}; ${o.tokensUsed} model tokens used.${o.usage && o.tokensUsed ? ` ${tokenLine(o.usage)}` : ''}${checkUrl ? ` [Check run](${checkUrl})` : ''}`,
    '',
  ];
  if (o.configNotes?.length) lines.push(...o.configNotes, '');
  for (const [category, fs] of byCategory) {
    lines.push(`### ${category[0]!.toUpperCase()}${category.slice(1)} (${fs.length})`, '');
    for (const f of fs.slice(0, 30))
      lines.push(
        `- **${f.severity}** \`${f.path}:${f.line}\` in \`${f.fn}\`: ${f.message}${f.suggestion ? ` — ${f.suggestion}` : ''}`,
      );
    if (fs.length > 30) lines.push(`- …and ${fs.length - 30} more (see the check run's annotations)`);
    lines.push('');
  }
  if (o.reviews.length) {
    const reviewers = o.reviews[0]!.results.map((r) => r.reviewer);
    lines.push(
      '### Scores',
      '',
      `| function | ${reviewers.join(' | ')} |`,
      `| --- | ${reviewers.map(() => '---:').join(' | ')} |`,
    );
    for (const r of o.reviews.slice(0, 100))
      lines.push(
        `| \`${r.fn.path}\` \`${r.fn.name}\` | ${r.results.map((x) => (x.error ? 'error' : x.score)).join(' | ')} |`,
      );
    if (o.reviews.length > 100) lines.push(`| …${o.reviews.length - 100} more | |`);
    lines.push('');
  }
  lines.push(
    '### Enhancement eligibility',
    '',
    eligible.length
      ? // Only what this product does: any offer of more is the gate's billing.upsell text, configured per tier.
        `${eligible.length} function(s) scored below 80: their findings are listed above and annotated in the check run.`
      : 'No function needs enhancement.',
    '',
  );
  if (o.skipped.length)
    lines.push(
      `<details><summary>${o.skipped.length} file(s) not analysed</summary>\n\n${o.skipped.map((s) => `- ${s.path}: ${s.reason}`).join('\n')}\n</details>`,
      '',
    );
  if (o.upsell) lines.push(`### ${o.upsell.title}`, '', o.upsell.text, '');
  return fit(lines.join('\n'), LIMITS.commentBody);
}

export function quotaComment(title: string, tier: string, limit: number, upgradeUrl: string): string {
  return [
    COMMENT_MARKER,
    `## ⚪ ${title} Gate Check — quota reached`,
    '',
    `This installation's **${tier}** tier includes ${limit.toLocaleString('en-US')} analyses a month, and they are used up. No analysis was run for this push.`,
    '',
    `[Upgrade your plan](${upgradeUrl}) to keep analysing pull requests this month.`,
  ].join('\n');
}
