// The PR gate's vocabulary, shared by workflows, activities and reports.
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];
/** A finding's replacement code at most: a few lines' fix, not a rewrite of the function. */
export const MAX_REPLACEMENT = 4000;

export type ReviewerName = 'security' | 'performance' | 'maintainability' | 'documentation';

export interface Finding {
  severity: Severity;
  /** 1-based line in the head version of the file. */
  line: number;
  message: string;
  suggestion?: string;
  /** The last line the finding covers when it spans several (`line`..`end_line`). */
  end_line?: number;
  /**
   * Code that replaces the finding's lines (`line`, or `line`..`end_line`) as they are in the head: a
   * suggestion the author can commit where the forge has them. An empty string deletes the lines.
   */
  replacement?: string;
  /** Who the finding is across pushes (src/gate/finding-identity.ts); set by the gate, not by a reviewer. */
  identity?: string;
}

export interface AnalysedFunction {
  path: string;
  name: string;
  language: string;
  startLine: number;
  endLine: number;
  code: string;
  changedLines: number[];
  /** Content hash of (language, code): unchanged functions reuse earlier findings. */
  hash: string;
}

export interface ReviewerResult {
  reviewer: ReviewerName;
  findings: Finding[];
  score: number;
  tokens: number;
  error?: string;
  reused?: boolean;
  /** Where the function started when it was reviewed: reused findings move with it. */
  startLine?: number;
}

export interface FunctionReview {
  fn: Omit<AnalysedFunction, 'code'>;
  results: ReviewerResult[];
}

export interface SkippedFile {
  path: string;
  reason: string;
}
