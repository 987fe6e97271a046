// Which functions of the head version each changed file's patch touches. The parsing is pure and runs
// in the untrusted-text pool (activities/untrusted/pool.ts), one file per job, with bounds per file (bytes,
// parse time, nesting depth: src/code/functions.ts; the job's time limit and heap) and per pull request
// (a time budget for all files): a file over a bound is reported skipped with the reason, and the rest of
// the pull request is still reviewed.
import { createHash } from 'node:crypto';
import { changedLines } from '../../src/code/diff.js';
import { changedFunctions, TooComplex } from '../../src/code/functions.js';
import { languageOf } from '../../src/code/languages.js';
import type { AnalysedFunction, SkippedFile } from '../../src/gate/types.js';
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
}

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
    if (err instanceof TooComplex) return skip(`not parsed: ${err.message}`);
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

/** Every file in the pool, within the limits; results in the files' order. */
export async function extractInPool(
  files: FileToParse[],
  limits: Partial<ParseLimits> = {},
  pool: UntrustedPool = untrustedPool(),
): Promise<Extracted> {
  const l = { ...DEFAULT_PARSE_LIMITS, ...limits };
  const deadline = Date.now() + l.totalMs;
  const all = await Promise.all(
    files.map(async (file): Promise<Extracted> => {
      const skip = (reason: string): Extracted => ({ functions: [], skipped: [{ path: file.path, reason }] });
      // What needs no parse is answered here (most files of a large pull request).
      if (!languageOf(file.path) || file.content === null || file.content.length > l.maxParseBytes)
        return extractFile(file, 0, l.maxParseBytes);
      try {
        // Queued jobs start once a thread is free: the budget is checked when the job starts.
        return await pool.run('extract', { file, timeoutMicros: l.fileMs * 1000 }, l.fileMs, deadline);
      } catch (err) {
        if (err instanceof TimeLimit) return skip(`not parsed: it took over ${l.fileMs / 1000} s`);
        if (err instanceof OutOfMemory) return skip(`not parsed: it ${err.message.replace('needed', 'needs')}`);
        if (err instanceof PastDeadline)
          return skip(`not parsed: the pull request's parse time budget (${l.totalMs / 1000} s) was used up`);
        if (err instanceof JobFailed) return skip(`not parsed: ${err.message}`);
        throw err;
      }
    }),
  );
  return { functions: all.flatMap((e) => e.functions), skipped: all.flatMap((e) => e.skipped) };
}
