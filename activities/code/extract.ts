// Which functions of the head version each changed file's patch touches. The parsing is pure and runs
// in the untrusted-text pool (activities/untrusted/pool.ts), one file per job, with bounds per file (bytes,
// parse time, nesting depth: src/code/functions.ts; the job's time limit and heap) and per pull request
// (a time budget for all files): a file over a bound is reported skipped with the reason, and the rest of
// the pull request is still reviewed.
import { createHash } from 'node:crypto';
import { changedLines } from '../../src/code/diff.js';
import { changedFunctions, TooComplex } from '../../src/code/functions.js';
import { languageOf } from '../../src/code/languages.js';
import { ruleReview } from '../../src/gate/rules.js';
import type { AnalysedFunction, ReviewerName, ReviewerResult, SkippedFile } from '../../src/gate/types.js';
import {
  JobFailed,
  OutOfMemory,
  PastDeadline,
  TimeLimit,
  untrustedPool,
  type UntrustedPool,
} from '../untrusted/pool.js';

export interface FileToParse {
  path: string;
  patch: string;
  /** Head version; null when it could not be fetched (too large, binary, gone). */
  content: string | null;
}

export interface ParseLimits {
  /** A file larger than this is not parsed, whatever the reading limit. */
  maxParseBytes: number;
  /** One file: the parse's own limit (tree-sitter), and the whole job's (its thread is stopped). */
  fileMs: number;
  /** All files of a pull request: files not started within it are skipped. */
  totalMs: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxParseBytes: 1024 * 1024, fileMs: 10_000, totalMs: 30_000 };

export interface Extracted {
  functions: AnalysedFunction[];
  skipped: SkippedFile[];
  /** The built-in rules' results per function (in `functions`' order) and reviewer, when asked for. */
  rules?: ReviewerResult[][];
}

/** The built-in rules to run where the functions were found, on their code as the review keeps it. */
export interface RulesHere {
  reviewers: ReviewerName[];
  /** A function's code is cut beyond this (pull-analysis.ts, `cutCode`) before the rules read it. */
  maxFunctionBytes: number;
}

/** One function's code as a review keeps it: cut beyond `max` bytes, with a marker saying so. */
export function cutCode(code: string, max: number): string {
  return code.length > max ? `${code.slice(0, max)}\n/* … cut at ${max} bytes of ${code.length} */` : code;
}

/** Each reviewer's built-in result for one function (as the pool's `rules` job answers it). */
export function rulesOf(reviewers: ReviewerName[], fn: Pick<AnalysedFunction, 'code' | 'startLine' | 'changedLines'>) {
  return reviewers.map((reviewer): ReviewerResult => ({
    reviewer,
    ...ruleReview(reviewer, fn.code, fn.startLine, fn.changedLines),
    tokens: 0,
  }));
}

/**
 * One file's changed functions and, when asked, the rules' results on them: one job of the pool per file
 * (a job per function cost more in messages than the rules cost to run).
 */
export function extractAndReview(file: FileToParse, timeoutMicros: number, rules?: RulesHere): Extracted {
  const found = extractFile(file, timeoutMicros);
  if (!rules) return found;
  return {
    ...found,
    rules: found.functions.map((fn) =>
      rulesOf(rules.reviewers, { ...fn, code: cutCode(fn.code, rules.maxFunctionBytes) }),
    ),
  };
}

/** How the reason of every file that was not parsed begins. */
const NOT_PARSED = 'not parsed: ';

/** One file's changed functions, or why it is skipped. */
export function extractFile(
  file: FileToParse,
  timeoutMicros = DEFAULT_PARSE_LIMITS.fileMs * 1000,
  maxParseBytes = DEFAULT_PARSE_LIMITS.maxParseBytes,
): Extracted {
  const lang = languageOf(file.path);
  const skip = (reason: string): Extracted => ({ functions: [], skipped: [{ path: file.path, reason }] });
  if (!lang) return skip('language not supported');
  if (file.content === null) return skip('content unavailable (too large or binary)');
  if (file.content.length > maxParseBytes) return skip(`too large to parse (over ${maxParseBytes} bytes)`);
  let changed;
  try {
    changed = changedFunctions(file.content, lang, changedLines(file.patch).lines, timeoutMicros);
  } catch (err) {
    if (err instanceof TooComplex) return skip(`${NOT_PARSED}${err.message}`);
    throw err;
  }
  if (changed.length === 0) return skip('no function changed');
  return {
    skipped: [],
    functions: changed.map((fn) => ({
      path: file.path,
      name: fn.name,
      language: lang.name,
      startLine: fn.startLine,
      endLine: fn.endLine,
      code: fn.code,
      changedLines: fn.changedLines,
      hash: createHash('sha256').update(`${lang.name}\0${fn.code}`).digest('hex').slice(0, 32),
    })),
  };
}

/** Every file in this thread (tests, tools): no time limit beyond the parse's. */
export function extractChanged(files: FileToParse[]): Extracted {
  const all = files.map((f) => extractFile(f));
  return { functions: all.flatMap((e) => e.functions), skipped: all.flatMap((e) => e.skipped) };
}

/** Files parsed in one job of the pool, at most: ordinary files take milliseconds each. */
const BATCH_FILES = 50;
const BATCH_BYTES = 256 * 1024;

/**
 * Files already parsed, by everything their result depends on (path, patch, head version, the rules
 * asked for), least recently used first out beyond `maxBytes`. A push that changes one file of a pull
 * request parses that file again, not all of them. Only parses that ran to their end are kept: a file
 * skipped for time, memory or the pull request's budget is tried again next time.
 */
export class ParseCache {
  private readonly entries = new Map<string, { result: Extracted; bytes: number }>();
  private bytes = 0;
  constructor(readonly maxBytes: number) {}

  static key(file: FileToParse, rules: RulesHere | undefined): string {
    const h = createHash('sha256');
    for (const part of [file.path, file.patch, file.content ?? '', JSON.stringify(rules ?? null)])
      h.update(String(part.length)).update(':').update(part);
    return h.digest('base64');
  }

  get(key: string): Extracted | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key); // most recently used last
    this.entries.set(key, e);
    return e.result;
  }

  set(key: string, result: Extracted): void {
    const bytes = key.length + JSON.stringify(result).length;
    if (bytes > this.maxBytes) return;
    const old = this.entries.get(key);
    if (old) this.bytes -= old.bytes;
    this.entries.delete(key);
    this.entries.set(key, { result, bytes });
    this.bytes += bytes;
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= e.bytes;
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

/** The worker's parses, shared by its reviews: a few MB of functions' code and positions. */
export const parseCache = new ParseCache(32 * 1024 * 1024);

/**
 * Every file in the pool, within the limits, with the rules' results when asked; in the files' order.
 * With `cache`, a file parsed before with the same inputs is answered from it.
 */
export async function extractInPool(
  files: FileToParse[],
  limits: Partial<ParseLimits> = {},
  pool: UntrustedPool = untrustedPool(),
  rules?: RulesHere,
  cache?: ParseCache,
): Promise<Extracted> {
  const l = { ...DEFAULT_PARSE_LIMITS, ...limits };
  const deadline = Date.now() + l.totalMs;
  const skip = (file: FileToParse, reason: string): Extracted => ({
    functions: [],
    skipped: [{ path: file.path, reason }],
  });
  const keys = new Map<FileToParse, string>();
  /**
   * A parse that ran to its end is kept for the next review that reads the same file; one that was not
   * parsed (its time limit, which depends on the machine's load, among the reasons) is not.
   */
  const done = (file: FileToParse, result: Extracted) => {
    const key = keys.get(file);
    if (key !== undefined && !result.skipped.some((s) => s.reason.startsWith(NOT_PARSED))) cache!.set(key, result);
    return result;
  };
  /** One file in a job of its own: a file over a bound is skipped with the reason. */
  const alone = async (file: FileToParse): Promise<Extracted> => {
    try {
      // Queued jobs start once a thread is free: the budget is checked when the job starts.
      return done(file, await pool.run('extract', { file, timeoutMicros: l.fileMs * 1000, rules }, l.fileMs, deadline));
    } catch (err) {
      if (err instanceof TimeLimit) return skip(file, `${NOT_PARSED}it took over ${l.fileMs / 1000} s`);
      if (err instanceof OutOfMemory) return skip(file, `${NOT_PARSED}it ${err.message.replace('needed', 'needs')}`);
      if (err instanceof PastDeadline)
        return skip(file, `${NOT_PARSED}the pull request's parse time budget (${l.totalMs / 1000} s) was used up`);
      if (err instanceof JobFailed) return skip(file, `${NOT_PARSED}${err.message}`);
      throw err;
    }
  };
  // What needs no parse is answered here (most files of a large pull request).
  const parsed = new Map<FileToParse, Extracted>();
  const toParse = files.filter((f) => {
    if (!languageOf(f.path) || f.content === null || f.content.length > l.maxParseBytes) {
      parsed.set(f, extractFile(f, 0, l.maxParseBytes));
      return false;
    }
    if (!cache) return true;
    const key = ParseCache.key(f, rules);
    const known = cache.get(key);
    if (known) parsed.set(f, known);
    else keys.set(f, key);
    return !known;
  });
  // The rest in few jobs, each within one file's time limit: a pull request's files cost a message each
  // way per BATCH_BYTES of code, not one per file. A job that fails (a file over a bound among them) is
  // done again one file per job, so only that file is skipped.
  const groups: FileToParse[][] = [];
  let bytes = Infinity;
  for (const f of toParse) {
    const last = groups[groups.length - 1];
    if (last && last.length < BATCH_FILES && bytes + f.content!.length <= BATCH_BYTES) {
      last.push(f);
      bytes += f.content!.length;
    } else {
      groups.push([f]);
      bytes = f.content!.length;
    }
  }
  await Promise.all(
    groups.map(async (group) => {
      let results: Extracted[] | undefined;
      if (group.length > 1) {
        try {
          results = await pool.run(
            'extractMany',
            { files: group, timeoutMicros: l.fileMs * 1000, rules },
            l.fileMs,
            deadline,
          );
          group.forEach((f, i) => done(f, results![i]!));
        } catch (err) {
          const bound = [TimeLimit, OutOfMemory, JobFailed, PastDeadline].some((e) => err instanceof e);
          if (!bound) throw err;
        }
      }
      results ??= await Promise.all(group.map(alone));
      group.forEach((f, i) => parsed.set(f, results[i]!));
    }),
  );
  const all = files.map((f) => parsed.get(f)!);
  return {
    functions: all.flatMap((e) => e.functions),
    skipped: all.flatMap((e) => e.skipped),
    ...(rules ? { rules: all.flatMap((e) => e.rules ?? []) } : {}),
  };
}
