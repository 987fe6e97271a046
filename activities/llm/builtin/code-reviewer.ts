// builtin:code-reviewer: rule-based review of the added lines in a pull request's patches.
import { answer, eventData, type BuiltinModel } from './respond.js';

interface Rule {
  category: 'security' | 'quality';
  severity: 'high' | 'medium' | 'low';
  pattern: RegExp;
  message: string;
}

const RULES: Rule[] = [
  {
    category: 'security',
    severity: 'high',
    pattern: /\beval\s*\(|new Function\s*\(/,
    message: 'dynamic code execution (eval / new Function)',
  },
  {
    category: 'security',
    severity: 'high',
    pattern: /(api[_-]?key|secret|password|token)\s*[:=]\s*['"][^'"]{8,}['"]/i,
    message: 'what looks like a hard-coded secret',
  },
  {
    category: 'security',
    severity: 'high',
    pattern: /child_process|\bexec(Sync)?\s*\(|os\.system\(|subprocess\.(call|run|Popen)\(.*shell\s*=\s*True/,
    message: 'shell command execution: check that no input reaches it',
  },
  {
    category: 'security',
    severity: 'medium',
    pattern: /innerHTML\s*=|dangerouslySetInnerHTML/,
    message: 'raw HTML injection point',
  },
  {
    category: 'quality',
    severity: 'medium',
    pattern: /\bcatch\s*(\(\w*\))?\s*\{\s*\}/,
    message: 'an empty catch block hides errors',
  },
  {
    category: 'security',
    severity: 'medium',
    pattern: /SELECT .* \+ |f"SELECT|`SELECT .*\$\{/i,
    message: 'SQL built from strings: use parameters',
  },
  {
    category: 'quality',
    severity: 'low',
    pattern: /console\.log\(|\bprint\(|fmt\.Println\(/,
    message: 'debug output left in',
  },
  { category: 'quality', severity: 'low', pattern: /\b(TODO|FIXME|XXX)\b/, message: 'an unresolved TODO/FIXME' },
  {
    category: 'quality',
    severity: 'low',
    pattern: /:\s*any\b|as any\b/,
    message: 'TypeScript `any` weakens type checking',
  },
];

/** A reviewer that applies the rules of the given categories. */
export const ruleReviewer =
  (categories: Rule['category'][]): BuiltinModel =>
  (req) => {
    const rules = RULES.filter((r) => categories.includes(r.category));
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
          for (const r of rules)
            if (r.pattern.test(raw.slice(1)))
              findings.push(`- **${r.severity}** \`${file.filename}:${line}\`: ${r.message}`);
        }
        if (!raw.startsWith('-')) line++;
      }
    }
    const files = data.files?.length ?? 0;
    const verdict = findings.some((f) => f.includes('**high**'))
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
