// The built-in reviewers: rules per category over a function's lines. Deterministic and offline; the
// same contract (findings + score) as an LLM reviewer. Every line is attacker text: each pattern runs in
// time linear in the line (regular expressions without ambiguous quantifiers, or the scanners of
// scan.ts where a pattern backtracked), and a function's findings per rule set are capped.
import { emptyCatch, indexOfThenLoop, loopThenAwait, randomForSecret } from './scan.js';
import type { Finding, ReviewerName, Severity } from './types.js';

/** Findings one reviewer reports on one function; the score still counts them all. */
export const MAX_FINDINGS = 50;
const either = (...tests: { test(line: string): boolean }[]) => ({
  test: (line: string) => tests.some((t) => t.test(line)),
});
const scanner = (test: (line: string) => boolean) => ({ test });

interface Rule {
  severity: Severity;
  /** Tested on each changed line (a RegExp, or a test of its own). */
  pattern: { test(line: string): boolean };
  message: string;
  suggestion?: string;
  /** Apply to the whole function rather than line by line. */
  whole?: (code: string) => boolean;
  /** The line fixed, where the fix is mechanical (a replacement the author can commit); else undefined. */
  fix?: (line: string) => string | undefined;
}

// `JSON.parse(JSON.stringify(<expression without parentheses>))`: the expression is kept as it is.
const JSON_COPY = /JSON\.parse\(JSON\.stringify\(([^()]{1,200})\)\)/g;
// A line that is only a debug print statement (nothing else on it to keep): deleting it is the fix.
const ONLY_DEBUG_PRINT = /^\s*(?:console\.log|fmt\.Println|System\.out\.println|println!)\([^;]*\);?\s*$/;

// An SQL statement inside a string literal with a value spliced into it: concatenated after the literal,
// interpolated in it (`${}`, a Python f-string), or formatted into it (`%`, `.format(`, `Sprintf`,
// `String.format`). `createHash(...).update(a + b)` or `execute("... = %s", (v,))` are no such thing.
// Literals are found in one left-to-right scan: a single regular expression for all of this backtracks
// for minutes on a long line with an unclosed quote.
const LITERAL = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`/g;
const STATEMENT = /\b(?:SELECT\b[\s\S]{0,500}?\bFROM|INSERT\s+INTO|UPDATE\s+\S+(?:\s+\S+)?\s+SET|DELETE\s+FROM)\b/i;
const SPLICED_AFTER = /\s*(?:\+|%\s*[\w(]|\.format\()/y;
const sqlFromStrings = {
  test(line: string): boolean {
    for (const m of line.matchAll(LITERAL)) {
      const content = m[0].slice(1, -1);
      if (!STATEMENT.test(content)) continue;
      const before = line.slice(Math.max(0, m.index - 20), m.index);
      SPLICED_AFTER.lastIndex = m.index + m[0].length;
      if (
        SPLICED_AFTER.test(line) ||
        (m[0][0] === '`' && content.includes('${')) ||
        (/(?:^|\W)(?:[fF][rR]?|[rR][fF])$/.test(before) && content.includes('{')) ||
        (/(?:Sprintf|format)\(\s*$/.test(before) && content.includes('%'))
      )
        return true;
    }
    return false;
  },
};

// A function's range starts at its doc comment when it has one: JSDoc, Javadoc, Rust's `///`, Go's `//`.
const LEADING_DOC = /^\s*(?:\/\*\*[\s\S]*?\*\/|\/\/.*(?:\n\s*\/\/.*)*)\s*/;

const RULES: Record<ReviewerName, Rule[]> = {
  security: [
    {
      severity: 'critical',
      pattern: /\beval\s*\(|new Function\s*\(/,
      message: 'Dynamic code execution',
      suggestion: 'Parse the input instead of executing it.',
    },
    {
      severity: 'critical',
      pattern: /(api[_-]?key|secret|passw(or)?d|token)\s*[:=]\s*['"][^'"]{8,}['"]/i,
      message: 'Hard-coded secret',
      suggestion: 'Read it from the environment or a secret store.',
    },
    {
      severity: 'high',
      pattern: /child_process|\bexecSync\s*\(|os\.system\(|shell\s*=\s*True|Runtime\.getRuntime\(\)\.exec/,
      message: 'Shell command execution',
      suggestion: 'Pass arguments as a list, never a shell string.',
    },
    {
      severity: 'high',
      pattern: sqlFromStrings,
      message: 'SQL built from strings',
      suggestion: 'Use query parameters.',
    },
    {
      severity: 'medium',
      pattern: /innerHTML\s*=|dangerouslySetInnerHTML/,
      message: 'Raw HTML injection point',
      suggestion: 'Escape or sanitise the HTML.',
    },
    {
      severity: 'medium',
      pattern: either(/\bmd5\b|\bsha1\b/i, scanner(randomForSecret)), // was /\bmd5\b|\bsha1\b|Math\.random\(\).*(token|id|secret)/i
      message: 'Weak hash or randomness for security use',
    },
  ],
  performance: [
    {
      severity: 'medium',
      pattern: either(scanner(loopThenAwait), /\.forEach\(\s*async/), // was /for\s*\(.*\)\s*\{?.*await\b|\.forEach\(\s*async/
      message: 'Sequential awaits in a loop',
      suggestion: 'Run independent calls together (Promise.all) with a bound.',
    },
    {
      severity: 'medium',
      pattern: /readFileSync|execSync|\bsleep\(/,
      message: 'Blocking call',
      suggestion: 'Use the asynchronous API.',
    },
    {
      severity: 'low',
      pattern: /JSON\.parse\(JSON\.stringify\(/,
      message: 'Deep copy through JSON',
      suggestion: 'Use structuredClone.',
      fix: (line) => {
        const fixed = line.replace(JSON_COPY, 'structuredClone($1)');
        return fixed === line ? undefined : fixed;
      },
    },
    {
      severity: 'low',
      pattern: either(scanner(indexOfThenLoop), /new RegExp\(/), // was /\.indexOf\(.*\)\s*(!==?|>=?)\s*-?1.*\bfor\b|new RegExp\(/
      message: 'Work repeated on every call',
      suggestion: 'Hoist it out of the function.',
    },
  ],
  maintainability: [
    {
      severity: 'medium',
      pattern: either(scanner(emptyCatch), /except:\s*pass|except Exception:\s*pass/), // was /catch\s*(\([^)]*\))?\s*\{\s*\}|except.../
      message: 'Error swallowed silently',
      suggestion: 'Handle or log the error.',
    },
    {
      severity: 'low',
      pattern: /console\.log\(|\bprint\(|fmt\.Println\(|System\.out\.println\(|println!\(/,
      message: 'Debug output left in',
      fix: (line) => (ONLY_DEBUG_PRINT.test(line) ? '' : undefined),
    },
    { severity: 'low', pattern: /\b(TODO|FIXME|XXX|HACK)\b/, message: 'Unresolved TODO/FIXME' },
    { severity: 'low', pattern: /:\s*any\b|as any\b/, message: '`any` weakens type checking' },
    {
      severity: 'medium',
      pattern: /$^/,
      message: 'Long function',
      suggestion: 'Split it into smaller functions.',
      whole: (code) => code.replace(LEADING_DOC, '').split('\n').length > 80,
    },
  ],
  documentation: [
    {
      severity: 'info',
      pattern: /$^/,
      message: 'Public function without a doc comment',
      // Python and Go mark no function public with a keyword: only `export`, `pub` and `public` count.
      whole: (code) => !LEADING_DOC.test(code) && /^(export |pub |public )/.test(code.trimStart()),
    },
  ],
};

/** The line rules of `reviewer` that one line breaks (the built-in agent reviewers read patches this way). */
export function lineFindings(reviewer: ReviewerName, text: string): Pick<Finding, 'severity' | 'message'>[] {
  return RULES[reviewer]
    .filter((rule) => !rule.whole && rule.pattern.test(text))
    .map(({ severity, message }) => ({ severity, message }));
}

const WEIGHT: Record<Severity, number> = { critical: 40, high: 25, medium: 10, low: 4, info: 1 };

export function ruleReview(
  reviewer: ReviewerName,
  code: string,
  startLine: number,
  changedLines: number[],
): { findings: Finding[]; score: number } {
  const findings: Finding[] = [];
  const changed = new Set(changedLines);
  const lines = code.split('\n');
  for (const rule of RULES[reviewer]) {
    if (rule.whole) {
      if (rule.whole(code))
        findings.push({
          severity: rule.severity,
          line: startLine,
          message: rule.message,
          ...(rule.suggestion ? { suggestion: rule.suggestion } : {}),
        });
      continue;
    }
    lines.forEach((text, i) => {
      const line = startLine + i;
      if (!changed.has(line) || !rule.pattern.test(text)) return;
      const replacement = rule.fix?.(text);
      findings.push({
        severity: rule.severity,
        line,
        message: rule.message,
        ...(rule.suggestion ? { suggestion: rule.suggestion } : {}),
        ...(replacement !== undefined ? { replacement } : {}),
      });
    });
  }
  const score = Math.max(0, 100 - findings.reduce((s, f) => s + WEIGHT[f.severity], 0));
  return { findings: findings.length > MAX_FINDINGS ? findings.slice(0, MAX_FINDINGS) : findings, score };
}
