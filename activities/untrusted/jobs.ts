// The jobs the untrusted-text pool runs (pool.ts), each in one of its threads: pure functions of
// structured-cloneable inputs.
import { extractAndReview, rulesOf, type FileToParse, type RulesHere } from '../code/extract.js';
import { lineFindings } from '../../src/gate/rules.js';
import type { AnalysedFunction, Finding, ReviewerName, ReviewerResult } from '../../src/gate/types.js';

/** The built-in rules' findings on the added lines of one file's patch (head line numbers). */
function patchFindings(input: { reviewers: ReviewerName[]; patch: string }) {
  const findings: (Pick<Finding, 'severity' | 'message'> & { line: number })[] = [];
  let added = 0;
  let line = 0;
  for (const raw of input.patch.split('\n')) {
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)/.exec(raw);
    if (hunk) {
      line = Number(hunk[1]);
      continue;
    }
    if (raw.startsWith('+')) {
      added++;
      for (const f of input.reviewers.flatMap((r) => lineFindings(r, raw.slice(1)))) findings.push({ ...f, line });
    }
    if (!raw.startsWith('-')) line++;
  }
  return { findings, added };
}

export const JOBS = {
  /** One file's changed functions, and the built-in rules' results on them when `rules` asks. */
  extract: (input: { file: FileToParse; timeoutMicros: number; rules?: RulesHere }) =>
    extractAndReview(input.file, input.timeoutMicros, input.rules),
  /** Several files, one after another, as `extract` answers each (one message for a pull request's files). */
  extractMany: (input: { files: FileToParse[]; timeoutMicros: number; rules?: RulesHere }) =>
    input.files.map((file) => extractAndReview(file, input.timeoutMicros, input.rules)),
  /** Each reviewer's built-in result for one function. */
  rules: (input: { reviewers: ReviewerName[]; fn: AnalysedFunction }): ReviewerResult[] =>
    rulesOf(input.reviewers, input.fn),
  patchFindings,
};

export type Jobs = typeof JOBS;
