// A pull or merge request of any size, read where it is: the changed files, their head versions (read
// through the forge adapter's ChangeReader: GitHub's in few GraphQL requests) and the changed functions are fetched and parsed inside one activity,
// and only a bounded result crosses into workflow history (Temporal refuses payloads over 2 MB). What
// the bounds leave out is named, never dropped silently.
import type { AnalysedFunction, ReviewerName, ReviewerResult, SkippedFile } from '../../src/gate/types.js';
import { languageOf } from '../../src/code/languages.js';
import { cutCode, extractInPool, parseCache, type FileToParse } from '../code/extract.js';
import type { PullFile, RepoTarget } from './index.js';
import type { ChangeReader } from '../../src/forges/port.js';
import { pathFiltered, type RepoConfigOutcome } from '../../src/gate/repo-rules.js';
import { generatedOrVendored } from '../../src/gate/coverage.js';
import { proposedNote, type RepoConfigRead } from './repo-config.js';

export type { ChangeReader } from '../../src/forges/port.js';

export interface AnalysisLimits {
  /** Pages of 100 changed files. */
  maxPages: number;
  /** Files larger than this are not read. */
  maxFileBytes: number;
  /** One function's code, cut beyond this (marked). */
  maxFunctionBytes: number;
  /** All functions' code together; functions beyond it are listed as not analysed. */
  maxTotalBytes: number;
  /** Skipped files listed by name; the rest are counted. */
  maxSkippedListed: number;
  /**
   * The whole result (functions with their names, paths and changed lines, the rules' findings), far
   * below Temporal's 2 MB; functions beyond it are listed as not analysed.
   */
  maxResultBytes: number;
}

export const DEFAULT_LIMITS: AnalysisLimits = {
  maxPages: 3,
  maxFileBytes: 512 * 1024,
  maxFunctionBytes: 8 * 1024,
  maxTotalBytes: 120 * 1024,
  maxSkippedListed: 100,
  maxResultBytes: 768 * 1024,
};

/** A path or name in the list of what was not analysed, cut beyond this. */
const MAX_LISTED_CHARS = 300;
const listed = (s: string) => (s.length > MAX_LISTED_CHARS ? `${s.slice(0, MAX_LISTED_CHARS - 1)}…` : s);

export interface PullAnalysis {
  functions: AnalysedFunction[];
  skipped: SkippedFile[];
  /** GitHub requests made, for the report. */
  requests: number;
  /** The built-in rules' results per function and reviewer, when asked for (`rules`). */
  rules?: ReviewerResult[][];
  /** The id of the bot's comment carrying `commentMarker` (null: none yet; absent: unknown). */
  comment?: number | null;
  /**
   * The repository's gate configuration, when it has one (absent in results recorded before it existed,
   * so the workflow branches on it replay-safely).
   */
  repoConfig?: RepoConfigOutcome;
}

/** The repository's configuration as the analysis reads it (activities/forge/repo-config.ts). */
export interface RepoConfigSource {
  read(): Promise<RepoConfigRead | undefined>;
  /** The file's version at the pull request's head (null: absent). */
  atHead(path: string): Promise<{ text: string | null; requests: number }>;
}

/**
 * Keeps the result within the limits, naming what was cut (all of it: listedAtMost shortens the list);
 * `bytes`: the result's size as JSON, at most; `kept`: the indices of the functions kept.
 */
export function bound(all: { functions: AnalysedFunction[]; skipped: SkippedFile[] }, limits: AnalysisLimits) {
  const functions: AnalysedFunction[] = [];
  const kept: number[] = [];
  const skipped = all.skipped.map((s) => ({ path: listed(s.path), reason: s.reason }));
  let total = 0;
  // The skipped list at its largest, and what each function adds as JSON besides its code.
  let bytes = (limits.maxSkippedListed + 1) * (MAX_LISTED_CHARS + 200);
  for (const [i, fn] of all.functions.entries()) {
    const code = cutCode(fn.code, limits.maxFunctionBytes);
    if (total + code.length > limits.maxTotalBytes) {
      skipped.push({
        path: listed(`${fn.path} (${fn.name})`),
        reason: `not analysed: the review's size limit (${limits.maxTotalBytes} bytes of code) was reached`,
      });
      continue;
    }
    const size = JSON.stringify({ ...fn, code }).length;
    if (bytes + size > limits.maxResultBytes) {
      skipped.push({
        path: listed(`${fn.path} (${fn.name})`),
        reason: `not analysed: the review's result limit (${limits.maxResultBytes} bytes) was reached`,
      });
      continue;
    }
    total += code.length;
    bytes += size;
    functions.push({ ...fn, code });
    kept.push(i);
  }
  return { functions, skipped, bytes, kept };
}

function listedAtMost(skipped: SkippedFile[], limits: AnalysisLimits) {
  if (skipped.length > limits.maxSkippedListed) {
    const more = skipped.length - limits.maxSkippedListed;
    skipped.splice(limits.maxSkippedListed, more, { path: `(${more} more)`, reason: 'not listed' });
  }
  return skipped;
}

/** The built-in rules' results on the kept functions (found by the parse); functions whose findings overflow the result go. */
function withRules(kept: ReturnType<typeof bound>, all: ReviewerResult[][], limits: AnalysisLimits) {
  const results = kept.kept.map((i) => all[i]!);
  const functions: AnalysedFunction[] = [];
  const rules: ReviewerResult[][] = [];
  const skipped = [...kept.skipped];
  let bytes = kept.bytes;
  kept.functions.forEach((fn, i) => {
    bytes += JSON.stringify(results[i]).length;
    if (bytes > limits.maxResultBytes) {
      skipped.push({
        path: listed(`${fn.path} (${fn.name})`),
        reason: `not analysed: the review's result limit (${limits.maxResultBytes} bytes) was reached`,
      });
      return;
    }
    functions.push(fn);
    rules.push(results[i]!);
  });
  return { functions, skipped: listedAtMost(skipped, limits), rules };
}

/** The change between two commits of a repository (a merge group's base and head), with no pull request. */
export type ComparisonInput = RepoTarget & {
  baseSha: string;
  headSha: string;
  limits?: Partial<AnalysisLimits>;
  rules?: ReviewerName[];
};

export type AnalysisInput = RepoTarget & {
  pullNumber: number;
  headSha: string;
  limits?: Partial<AnalysisLimits>;
  /** Reviewers whose built-in rules run here, where the code is (no activity per function). */
  rules?: ReviewerName[];
  /** Look for the bot's comment carrying this marker along the way (the comment write then needs no lookup). */
  commentMarker?: string;
};

/**
 * The analysis of a change, on any forge: its changed files and their head versions read through
 * `reader`, parsed, the changed functions found and the built-in rules run on them in the untrusted-text
 * pool, and the result bounded.
 */
export async function analyseChange(
  input: Pick<AnalysisInput, 'limits' | 'rules'>,
  reader: ChangeReader,
  config?: RepoConfigSource,
): Promise<PullAnalysis> {
  const limits = { ...DEFAULT_LIMITS, ...input.limits };
  const [listed, repo] = await Promise.all([reader.changedFiles(limits.maxPages), config?.read()]);
  let requests = listed.requests + (repo?.requests ?? 0);
  // Only a repository that has a configuration (or a broken one) gets the field: without one, the result is as before.
  const found = repo && (repo.outcome.sources.length || repo.outcome.problems.length) ? repo.outcome : undefined;
  // A skipped pull request is not read further: the gate finishes its check saying why.
  if (found?.skipped) return { functions: [], skipped: [], requests, repoConfig: found };
  const changesConfig = repo && listed.files.find((f) => f.filename === repo.path);
  let repoConfig = found;
  if (repo && changesConfig) {
    const head = changesConfig.status === 'removed' ? { text: null, requests: 0 } : await config!.atHead(repo.path);
    requests += head.requests;
    const proposed = proposedNote(
      repo,
      head.text,
      listed.files.map((f) => f.filename),
    );
    repoConfig = { ...repo.outcome, proposed };
  }
  const skipped: SkippedFile[] = [];
  if (listed.truncated) {
    const most = listed.listedAtMost;
    skipped.push({
      path: `(files beyond ${most ?? limits.maxPages * 100})`,
      reason:
        most === undefined
          ? `only the first ${limits.maxPages} pages of changed files are analysed`
          : `the forge lists at most ${most} changed files of a comparison`,
    });
  }
  const withPatch: (PullFile & { patch: string })[] = [];
  for (const f of listed.files) {
    if (f.status === 'removed') continue;
    const filtered = repo && pathFiltered(repo.gate, f.filename);
    if (filtered) skipped.push({ path: f.filename, reason: filtered });
    else if (generatedOrVendored(f.filename)) skipped.push({ path: f.filename, reason: 'generated or vendored path' });
    else if (!f.patch) skipped.push({ path: f.filename, reason: 'binary or too large for a diff' });
    else withPatch.push({ ...f, patch: f.patch });
  }
  // Only files of a language the gate parses are read.
  const heads = await reader.filesAt(
    withPatch.filter((f) => languageOf(f.filename)).map((f) => ({ path: f.filename, estimate: f.patch.length + 1024 })),
    limits.maxFileBytes,
  );
  requests += heads.requests;
  const comment = reader.comment?.();
  const toParse: FileToParse[] = withPatch.map((f) => ({
    path: f.filename,
    patch: f.patch,
    content: heads.contents.get(f.filename) ?? null,
  }));
  // Parsed and reviewed by rules in the untrusted-text pool: this thread keeps heartbeating.
  const parsed = await extractInPool(
    toParse,
    {},
    undefined,
    input.rules ? { reviewers: input.rules, maxFunctionBytes: limits.maxFunctionBytes } : undefined,
    parseCache,
  );
  const kept = bound({ functions: parsed.functions, skipped: [...skipped, ...parsed.skipped] }, limits);
  return {
    ...(parsed.rules
      ? withRules(kept, parsed.rules, limits)
      : { functions: kept.functions, skipped: listedAtMost(kept.skipped, limits) }),
    requests,
    ...(comment !== undefined ? { comment } : {}),
    ...(repoConfig ? { repoConfig } : {}),
  };
}

/** The changed files an agent reads, on any forge: patches within a byte budget, cut with a marker where it ends. */
export function diffWithin(
  listed: { files: PullFile[]; truncated: boolean },
  input: { maxPages: number; budgetBytes: number },
): { files: { filename: string; status: string; patch?: string }[]; note?: string } {
  const files: { filename: string; status: string; patch?: string }[] = [];
  let used = 0;
  let cut = 0;
  for (const f of listed.files) {
    const room = input.budgetBytes - used;
    if (room <= 200) {
      cut++;
      continue;
    }
    const patch =
      f.patch && f.patch.length > room
        ? `${f.patch.slice(0, room)}\n[… diff cut: the budget of ${input.budgetBytes} bytes is used up]`
        : f.patch;
    used += f.filename.length + (patch?.length ?? 0);
    files.push({ filename: f.filename, status: f.status, patch });
  }
  const notes = [
    cut ? `${cut} more changed file(s) not shown: the diff budget of ${input.budgetBytes} bytes is used up` : '',
    listed.truncated ? `only the first ${input.maxPages * 100} changed files were listed` : '',
  ].filter(Boolean);
  return { files, ...(notes.length ? { note: notes.join('; ') } : {}) };
}
