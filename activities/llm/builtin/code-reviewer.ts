// builtin:code-reviewer: rule-based review of the added lines in a pull request's patches. Each file's
// patch is reviewed in the untrusted-text pool (activities/untrusted/pool.ts) with a time limit, so no
// patch holds the worker's main thread; a file over the limit is reported as not reviewed, with why.
import type { ReviewerName } from '../../../src/gate/types.js';
import { untrustedPool } from '../../untrusted/pool.js';
import { notFinished, RULES_MS } from '../../untrusted/rules.js';
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
  async (req) => {
    const reviewers = categories.flatMap((c) => REVIEWERS[c]);
    const data = eventData(req);
    const findings: string[] = [];
    const notReviewed: string[] = [];
    let added = 0;
    const pool = untrustedPool();
    const results = await Promise.all(
      (data.files ?? []).map(async (file) =>
        file.patch
          ? pool
              .run('patchFindings', { reviewers, patch: file.patch }, RULES_MS)
              .catch((err: unknown) => notFinished(err))
          : { findings: [], added: 0 },
      ),
    );
    (data.files ?? []).forEach((file, i) => {
      const r = results[i]!;
      if (typeof r === 'string') {
        notReviewed.push(`- \`${file.filename}\`: not reviewed: ${r}`);
        return;
      }
      added += r.added;
      for (const f of r.findings) findings.push(`- **${f.severity}** \`${file.filename}:${f.line}\`: ${f.message}`);
    });
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
        ...(notReviewed.length ? ['', ...notReviewed.slice(0, 20)] : []),
      ].join('\n'),
    );
  };

export const codeReviewer = ruleReviewer(['security', 'quality']);
export const securityReviewer = ruleReviewer(['security']);
export const qualityReviewer = ruleReviewer(['quality']);
