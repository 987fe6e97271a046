// A gate review's verdict as the gate keeps it for readers outside (`aofctl mcp`'s gate_findings): the
// head, the conclusion, the findings and which changed functions were reviewed, reused or skipped. Bounded:
// it travels in the review's result and the gate's continue-as-new input, so lists are capped and say how
// many there were.
import { allFindings, type ReviewOutcome } from './report.js';
import { SEVERITIES, type Severity } from './types.js';

/** Findings kept, worst first; the rest are counted. */
export const VERDICT_FINDINGS = 50;
/** Functions and files kept per coverage list; the rest are counted. */
export const VERDICT_FUNCTIONS = 100;
const MESSAGE_CHARS = 500;
const PATH_CHARS = 300;

export interface VerdictFinding {
  path: string;
  line: number;
  severity: Severity;
  reviewer: string;
  /** The function the finding is in. */
  function: string;
  message: string;
}

export interface CoveredFunction {
  path: string;
  name: string;
}

export interface GateVerdict {
  headSha: string;
  conclusion: string;
  /** Every finding of the review, however many `findings` holds. */
  findingsTotal: number;
  findings: VerdictFinding[];
  coverage: {
    /** Functions reviewed by a model in this review. */
    reviewed: CoveredFunction[];
    reviewedTotal: number;
    /** Unchanged functions whose earlier findings were reused. */
    reused: CoveredFunction[];
    reusedTotal: number;
    /** Files not analysed, with why. */
    skipped: { path: string; reason: string }[];
    skippedTotal: number;
  };
  /** Set when the review analysed nothing (the month's quota was used up). */
  note?: string;
}

const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function verdictOf(
  outcome: Pick<ReviewOutcome, 'reviews' | 'skipped'>,
  headSha: string,
  conclusion: string,
): GateVerdict {
  const rank = (s: Severity) => SEVERITIES.indexOf(s);
  const all = allFindings(outcome);
  const findings = [...all]
    .sort((a, b) => rank(a.severity) - rank(b.severity))
    .slice(0, VERDICT_FINDINGS)
    .map((f) => ({
      path: cut(f.path, PATH_CHARS),
      line: f.line,
      severity: f.severity,
      reviewer: f.reviewer,
      function: cut(f.fn, 200),
      message: cut(f.message, MESSAGE_CHARS),
    }));
  const fn = (r: ReviewOutcome['reviews'][number]) => ({ path: cut(r.fn.path, PATH_CHARS), name: cut(r.fn.name, 200) });
  // As the review counts them: a function all of whose reviewers' results were reused.
  const reused = outcome.reviews.filter((r) => r.results.every((x) => x.reused));
  const reviewed = outcome.reviews.filter((r) => !reused.includes(r));
  return {
    headSha,
    conclusion,
    findingsTotal: all.length,
    findings,
    coverage: {
      reviewed: reviewed.slice(0, VERDICT_FUNCTIONS).map(fn),
      reviewedTotal: reviewed.length,
      reused: reused.slice(0, VERDICT_FUNCTIONS).map(fn),
      reusedTotal: reused.length,
      skipped: outcome.skipped.slice(0, VERDICT_FUNCTIONS).map((s) => ({ path: s.path, reason: cut(s.reason, 200) })),
      skippedTotal: outcome.skipped.length,
    },
  };
}
