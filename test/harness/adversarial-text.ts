// Attacker text of 100 KB for every place a regular expression or a scanner reads what a pull request,
// an issue, a comment or a model sent: the inputs that made the old patterns backtrack (spaces between
// two `\s*`, `.*` runs that each try every later position, many starts without an end). The unit test
// (test/unit/hostile-text.test.ts) checks each answer; bench:regex times them.
import { lineFindings, ruleReview } from '../../src/gate/rules.js';
import { verdictOf } from '../../src/agents/consensus.js';
import { approvalCommand } from '../../src/ingress/pr-signals.js';
import { changedLines } from '../../src/code/diff.js';
import { changedFunctions } from '../../src/code/functions.js';
import { languageOf } from '../../src/code/languages.js';
import { jsonObject } from '../../activities/llm/gate-prompt.js';
import { classify } from '../../activities/llm/builtin/issue-triager.js';
import { readUntrusted } from '../../src/agents/prompt.js';
import type { ReviewerName } from '../../src/gate/types.js';

export const SIZE = 100 * 1024;

/** `unit` repeated to `SIZE` characters, between `before` and `after`. */
export const fill = (unit: string, before = '', after = '') =>
  before + unit.repeat(Math.ceil((SIZE - before.length - after.length) / unit.length)) + after;

const findings = (reviewer: ReviewerName, line: string) => lineFindings(reviewer, line).map((f) => f.message);

export interface AdversarialCase {
  name: string;
  run: () => unknown;
  /** What the answer must be. */
  expected: unknown;
}

export const ADVERSARIAL: AdversarialCase[] = [
  // The built-in rules, on one changed line (the gate, builtin:code-reviewer).
  {
    name: 'performance: `for(` and `)` repeated, no await',
    run: () => findings('performance', fill('for()')),
    expected: [],
  },
  {
    name: 'performance: a loop head, a 100 KB line of `)`, then await',
    run: () => findings('performance', fill(')', 'for (', ' await x')),
    expected: ['Sequential awaits in a loop'],
  },
  {
    name: 'performance: `.indexOf(` and `) != 1` repeated, no loop',
    run: () => findings('performance', fill('.indexOf(x) !== -1 ')),
    expected: [],
  },
  {
    name: 'maintainability: `catch` then 100 KB of spaces',
    run: () => findings('maintainability', fill(' ', 'catch', 'x')),
    expected: [],
  },
  {
    name: 'maintainability: `catch(` repeated, never closed',
    run: () => findings('maintainability', fill('catch(')),
    expected: [],
  },
  {
    name: 'security: `Math.random()` repeated, no secret',
    run: () => findings('security', fill('Math.random()')),
    expected: [],
  },
  {
    name: 'security: `token = "` repeated (each closes the last: a finding)',
    run: () => findings('security', fill('token = "a')),
    expected: ['Hard-coded secret'],
  },
  {
    name: 'security: `token = "` then 100 KB never closed',
    run: () => findings('security', fill('a', 'token = "')),
    expected: [],
  },
  {
    name: 'security: SQL words in an unclosed string',
    run: () => findings('security', fill('SELECT UPDATE x ', '"')),
    expected: [],
  },
  {
    name: 'security: `eval` then spaces',
    run: () => findings('security', fill(' ', 'eval', 'x')),
    expected: [],
  },
  {
    name: 'every reviewer on one function of 100 KB lines of spaces and parentheses',
    run: () =>
      (['security', 'performance', 'maintainability', 'documentation'] as const).map(
        (r) => ruleReview(r, `function f() {\n${fill('( ) ')}\n}`, 1, [2]).findings.length,
      ),
    expected: [0, 0, 0, 0],
  },
  // Model and fleet answers.
  {
    name: 'verdictOf: `VERDICT:` then 100 KB of spaces and no end',
    run: () => verdictOf(fill(' ', 'VERDICT:', '!')),
    expected: 'VERDICT:_!', // no verdict line: the first line, upper case, spaces as `_`
  },
  {
    name: 'verdictOf: `VERDICT:` lines of spaces, the last one valid',
    run: () => verdictOf(fill('VERDICT:   x   y   \t!\n', '', 'VERDICT: approve')),
    expected: 'APPROVE',
  },
  {
    name: 'jsonObject: `{` repeated, no `}`',
    run: () => jsonObject(fill('{')),
    expected: 'no JSON object in the answer',
  },
  // Comments and issues.
  {
    name: '/approve, 100 KB of spaces, a line break',
    run: () => approvalCommand(fill(' ', '/approve', 'x\ny')),
    expected: null,
  },
  {
    name: 'issue triage: version-like and keyword-like text',
    run: () => classify(fill('v1'), fill('crashe')).type,
    expected: 'needs-triage',
  },
  {
    name: 'readUntrusted: the data block with 100 KB of tags inside a string',
    run: () =>
      Object.keys(
        readUntrusted(
          `<untrusted_github_data>\n${JSON.stringify({ title: fill('<untrusted_github_data>\n') })}\n</untrusted_github_data>`,
        ),
      ),
    expected: ['title'],
  },
  // Diffs and source files.
  {
    name: 'a patch of one 100 KB line of `@@ -1`',
    run: () => changedLines(fill('@@ -1,1 +', '@@ -1 +1 @@\n+')).added,
    expected: 1,
  },
  {
    name: 'Go: a receiver of 100 KB of spaces',
    run: () =>
      changedFunctions(fill(' ', 'package p\nfunc (', 'r *T) F() {}\n'), languageOf('a.go')!, [2]).map((f) => f.name),
    expected: ['T.F'],
  },
  {
    name: 'TypeScript: a computed key of 100 KB of spaces',
    run: () =>
      changedFunctions(fill(' ', "const o = {\n  ['", "x']() { return 1; },\n};\n"), languageOf('a.ts')!, [2]).length,
    expected: 1,
  },
];
