// builtin:code-reviewer: rule-based review of the added lines in a pull request's patches.
import { lineFindings } from '../../../src/gate/rules.js';
import type { ReviewerName } from '../../../src/gate/types.js';
import { answer, eventData, type BuiltinModel } from './respond.js';

// The rules are the gate's (src/gate/rules.ts), line by line: `security` is its security reviewer,
// `quality` its performance and maintainability reviewers.
type Category = 'security' | 'quality';
const REVIEWERS: Record<Category, ReviewerName[]> = {
  security: ['security'],
  quality: ['performance', 'maintainability'],
};

/** A reviewer that applies the rules of the given categories. */
export const ruleReviewer =
  (categories: Category[]): BuiltinModel =>
  (req) => {
    const reviewers = categories.flatMap((c) => REVIEWERS[c]);
    const data = eventData(req);
    const findings: string[] = [];
    let added = 0;
    for (const file of data.files ?? []) {
      let line = 0;
      for (const raw of (file.patch ?? '').split('\n')) {
        const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)/.exec(raw);
        if (hunk) {
          line = Number(hunk[1]);
          continue;
        }
        if (raw.startsWith('+')) {
          added++;
          for (const f of reviewers.flatMap((r) => lineFindings(r, raw.slice(1))))
            findings.push(`- **${f.severity}** \`${file.filename}:${line}\`: ${f.message}`);
        }
        if (!raw.startsWith('-')) line++;
      }
    }
    const files = data.files?.length ?? 0;
    const verdict = findings.some((f) => /\*\*(critical|high)\*\*/.test(f))
      ? 'Changes requested'
      : findings.length
        ? 'Comments'
        : 'Looks good';
    return answer(
      req,
      [
        `### ${verdict}: ${data.title ?? 'pull request'}`,
        '',
        files
          ? `Reviewed ${added} added line(s) in ${files} file(s) with the built-in ${categories.join(' and ')} rules.`
          : 'No changed files were available to review.',
        '',
        ...(findings.length ? findings.slice(0, 50) : ['No findings.']),
        ...(findings.length > 50 ? [`…and ${findings.length - 50} more.`] : []),
      ].join('\n'),
    );
  };

export const codeReviewer = ruleReviewer(['security', 'quality']);
export const securityReviewer = ruleReviewer(['security']);
export const qualityReviewer = ruleReviewer(['quality']);
