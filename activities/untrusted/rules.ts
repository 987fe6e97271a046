// The built-in rules, run in the untrusted-text pool with a time limit: on a function of the gate, or on
// the added lines of one file's patch (builtin:code-reviewer and its kin).
import type { AnalysedFunction, ReviewerName, ReviewerResult } from '../../src/gate/types.js';
import { JobFailed, OutOfMemory, TimeLimit, untrustedPool } from './pool.js';

/** One function's rules, or one file's patch: past this the work is stopped and reported. */
export const RULES_MS = 5_000;

/** Why a job of the pool did not finish, for a report; other errors are rethrown. */
export function notFinished(err: unknown): string {
  if (err instanceof TimeLimit) return `the built-in rules took over ${RULES_MS / 1000} s`;
  if (err instanceof OutOfMemory) return `the built-in rules ${err.message}`;
  if (err instanceof JobFailed) return `the built-in rules failed: ${err.message}`;
  throw err;
}

/** Each reviewer's built-in result for `fn`; a function the rules cannot finish gets an error result. */
export async function builtinResults(reviewers: ReviewerName[], fn: AnalysedFunction): Promise<ReviewerResult[]> {
  try {
    return await untrustedPool().run('rules', { reviewers, fn }, RULES_MS);
  } catch (err) {
    const error = `not reviewed: ${notFinished(err)}`;
    return reviewers.map((reviewer) => ({ reviewer, findings: [], score: 0, tokens: 0, error }));
  }
}
