// The gate's reviewers over a review's functions: results cached by content hash are reused, the rest
// go to the model in batches (one call per reviewer and batch, answered per function), or come from the
// built-in rules the analysis already ran where the code was. Deterministic: workflow code.
import { addUsage, zeroUsage, type Usage } from '../src/agents/model-types.js';
import type { AnalysedFunction, ReviewerName, ReviewerResult } from '../src/gate/types.js';
import type { ReviewBatchInput, ReviewBatchResult } from '../activities/llm/gate-batch-review.js';
import { mapLimit } from './map-limit.js';
import { instructionsFor, type PathInstruction } from '../src/gate/repo-rules.js';

/** A batch: at most this many functions and this much code (the answer and the prompt stay small). */
export const BATCH = { maxFunctions: 25, maxCodeBytes: 32 * 1024 };

/** Consecutive functions (so mostly one file's) grouped within the batch bounds. */
export function batchesOf(fns: AnalysedFunction[], limits = BATCH): AnalysedFunction[][] {
  const batches: AnalysedFunction[][] = [];
  let bytes = 0;
  for (const fn of fns) {
    const last = batches[batches.length - 1];
    if (last && last.length < limits.maxFunctions && bytes + fn.code.length <= limits.maxCodeBytes) {
      last.push(fn);
      bytes += fn.code.length;
    } else {
      batches.push([fn]);
      bytes = fn.code.length;
    }
  }
  return batches;
}

/** A cached result as it applies to the function's new place (results cached before this knew none). */
export function movedTo(prior: ReviewerResult, startLine: number): ReviewerResult {
  if (prior.startLine === undefined || prior.startLine === startLine) return prior;
  const shift = startLine - prior.startLine;
  return { ...prior, startLine, findings: prior.findings.map((f) => ({ ...f, line: f.line + shift })) };
}

export interface BatchedReview {
  /** Per function, one result per reviewer in the gate's order. */
  results: ReviewerResult[][];
  /** New cache entries, by `reviewer:hash`. */
  fresh: Record<string, ReviewerResult>;
  usage: Usage;
  calls: number;
  tokensSaved: number;
}

export async function reviewFunctions(opts: {
  fns: AnalysedFunction[];
  reviewers: ReviewerName[];
  cache: Record<string, ReviewerResult>;
  /** The built-in rules' results, computed by the analysis (per function, per reviewer); else a model. */
  rules?: ReviewerResult[][];
  model: Omit<ReviewBatchInput, 'reviewer' | 'fns'>;
  maxConcurrency: number;
  /** The gate's prompt is in the provider's cache (a review of this gate wrote or read it minutes ago). */
  promptCached?: boolean;
  reviewBatch: (input: ReviewBatchInput) => Promise<ReviewBatchResult>;
  /** The repository's path instructions: each batch gets those matching its functions' paths. */
  guidance?: PathInstruction[];
}): Promise<BatchedReview> {
  const { fns, reviewers, cache } = opts;
  const fresh: Record<string, ReviewerResult> = {};
  let tokensSaved = 0;
  const results: (ReviewerResult | undefined)[][] = fns.map((fn, i) =>
    reviewers.map((reviewer, r) => {
      const prior = cache[`${reviewer}:${fn.hash}`];
      if (prior && !prior.error) {
        tokensSaved += prior.tokens;
        return { ...movedTo(prior, fn.startLine), reused: true };
      }
      const rule = opts.rules?.[i]?.[r];
      if (rule) fresh[`${reviewer}:${fn.hash}`] = { ...rule, startLine: fn.startLine };
      return rule;
    }),
  );

  // One job per reviewer and batch of the functions it has no result for.
  const jobs = reviewers.flatMap((reviewer, r) =>
    batchesOf(fns.filter((_, i) => !results[i]![r])).map((batch) => ({ reviewer, r, batch })),
  );
  let usage = zeroUsage();
  let calls = 0;
  const run = async ({ reviewer, r, batch }: (typeof jobs)[number]) => {
    const guidance = instructionsFor(opts.guidance ?? [], [...new Set(batch.map((fn) => fn.path))]);
    const out = await opts.reviewBatch({
      ...opts.model,
      reviewer,
      fns: batch,
      ...(guidance.length ? { guidance } : {}),
    });
    usage = addUsage(usage, out.usage);
    calls += out.calls;
    batch.forEach((fn, k) => {
      const res = out.results[k]!;
      results[fns.indexOf(fn)]![r] = res;
      fresh[`${reviewer}:${fn.hash}`] = { ...res, startLine: fn.startLine };
    });
  };
  // The first call alone writes the shared system prompt into the provider's cache; the others read it.
  // When a recent review left it there, all calls start together.
  const alone = opts.promptCached ? 0 : Math.min(1, jobs.length);
  if (alone) await run(jobs[0]!);
  await mapLimit(jobs.slice(alone), opts.maxConcurrency, run);
  return { results: results as ReviewerResult[][], fresh, usage, calls, tokensSaved };
}
