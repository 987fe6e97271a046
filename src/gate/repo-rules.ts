// What a repository's gate configuration (src/gate/repo-config.ts parses it) decides for one pull request:
// skip it, leave a path out, the team's guidance for a path, the severity that fails the check, and what a
// proposed configuration would change. Pure and deterministic: workflow code uses it.
import { globToRegExp } from '../routing/glob.js';
import { SEVERITIES, type Severity } from './types.js';
import type { ForgeName } from '../forges/port.js';

/** Where a repository keeps its gate configuration, on each forge. */
export const repoConfigPath = (forge: ForgeName) => (forge === 'github' ? '.github/aof.yaml' : '.aof.yaml');

/** The repository of an organization's defaults (GitHub's `.github` convention), read at its default branch. */
export const ORG_CONFIG_REPO = '.github';

/** Path instructions kept, and their text together: they travel to the model with every batch. */
export const MAX_PATH_INSTRUCTIONS = 20;
export const MAX_INSTRUCTIONS_CHARS = 8 * 1024;

export const FAIL_ON = ['critical', 'high', 'medium', 'low', 'never'] as const;
export type FailOn = (typeof FAIL_ON)[number];

/** The `gate:` section of `.github/aof.yaml` (`.aof.yaml`); docs/gate.md describes each key. */
export interface RepoGateConfig {
  enabled?: boolean;
  paths?: { include?: string[]; exclude?: string[] };
  path_instructions?: { path: string; instructions: string }[];
  fail_on?: FailOn;
  skip?: { drafts?: boolean; authors?: string[]; title_keywords?: string[]; base_branches?: string[] };
  review?: 'incremental' | 'full';
}

/** The organization's default with the repository's file over it, key by key (`paths` and `skip` per key). */
export function mergeGate(org: RepoGateConfig, repo: RepoGateConfig): RepoGateConfig {
  const defined = <T extends object>(o: T | undefined) =>
    Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
  const merged: RepoGateConfig = { ...defined(org), ...defined(repo) };
  for (const key of ['paths', 'skip'] as const)
    if (org[key] || repo[key]) merged[key] = { ...defined(org[key]), ...defined(repo[key]) } as never;
  return merged;
}

/** What the pull request is, as the skip rules read it (from the forge, never from its text alone). */
export interface ChangeFacts {
  draft: boolean;
  author: string;
  title: string;
  baseBranch: string;
}

/** Why a configuration skips this pull request, or undefined. The title itself is never quoted. */
export function skipReason(gate: RepoGateConfig, c: ChangeFacts): string | undefined {
  if (gate.enabled === false) return 'the gate is turned off (gate.enabled: false)';
  const s = gate.skip ?? {};
  if (s.drafts && c.draft) return 'it is a draft (gate.skip.drafts)';
  if (s.authors?.some((a) => a.toLowerCase() === c.author.toLowerCase()))
    return `its author ${c.author} is skipped (gate.skip.authors)`;
  const keyword = s.title_keywords?.find((k) => c.title.toLowerCase().includes(k.toLowerCase()));
  if (keyword !== undefined) return `its title contains "${keyword}" (gate.skip.title_keywords)`;
  const branch = s.base_branches?.find((b) => globMatches(b, c.baseBranch));
  if (branch !== undefined) return `its base branch ${c.baseBranch} matches "${branch}" (gate.skip.base_branches)`;
  return undefined;
}

/** A path glob as users of other bots write it: `**\/x` also matches `x` at the root. */
export function globMatches(pattern: string, path: string): boolean {
  return globToRegExp(pattern).test(path) || (pattern.startsWith('**/') && globToRegExp(pattern.slice(3)).test(path));
}

/** Why the configuration leaves this path out of the review, or undefined when it is reviewed. */
export function pathFiltered(gate: RepoGateConfig, path: string): string | undefined {
  const { include, exclude } = gate.paths ?? {};
  if (include?.length && !include.some((p) => globMatches(p, path))) return 'path filter: not in gate.paths.include';
  const ex = exclude?.find((p) => globMatches(p, path));
  return ex !== undefined ? `path filter: gate.paths.exclude "${ex}"` : undefined;
}

export interface PathInstruction {
  path: string;
  instructions: string;
}

/** The instructions kept within MAX_INSTRUCTIONS_CHARS (the first ones, as written). */
export function boundedInstructions(gate: RepoGateConfig): PathInstruction[] {
  const kept: PathInstruction[] = [];
  let chars = 0;
  for (const p of gate.path_instructions ?? []) {
    chars += p.path.length + p.instructions.length;
    if (chars > MAX_INSTRUCTIONS_CHARS) break;
    kept.push(p);
  }
  return kept;
}

/** The instructions that apply to any of these paths. */
export const instructionsFor = (all: PathInstruction[], paths: string[]) =>
  all.filter((p) => paths.some((path) => globMatches(p.path, path)));

/** Whether a finding of this severity fails the check under `fail_on` (absent: critical, the gate's default). */
export function fails(severity: Severity, failOn: FailOn = 'critical'): boolean {
  return failOn !== 'never' && SEVERITIES.indexOf(severity) <= SEVERITIES.indexOf(failOn);
}

/**
 * What the head's configuration would change for this pull request, compared with the one in force: lines
 * for the gate's summary (the new file applies once merged). `paths`: the changed files.
 */
export function proposedChanges(
  now: RepoGateConfig,
  next: RepoGateConfig,
  c: ChangeFacts,
  paths: string[],
  maxPaths = 20,
): string[] {
  const lines: string[] = [];
  const [skipNow, skipNext] = [skipReason(now, c), skipReason(next, c)];
  if (skipNow !== skipNext)
    lines.push(
      skipNext ? `this pull request would not be reviewed: ${skipNext}` : 'this pull request would be reviewed',
    );
  const [failNow, failNext] = [now.fail_on ?? 'critical', next.fail_on ?? 'critical'];
  if (failNow !== failNext)
    lines.push(
      failNext === 'never'
        ? 'the check would be advisory (gate.fail_on: never): neutral instead of failure'
        : `findings of severity ${failNext} or worse would fail the check (now ${failNow})`,
    );
  if ((now.review ?? 'incremental') !== (next.review ?? 'incremental'))
    lines.push(`review: ${next.review ?? 'incremental'} (now ${now.review ?? 'incremental'})`);
  const moved = paths.flatMap((p) => {
    const [a, b] = [pathFiltered(now, p), pathFiltered(next, p)];
    return a === b ? [] : [`${p}: ${b ? `left out (${b})` : 'reviewed'} (now ${a ? 'left out' : 'reviewed'})`];
  });
  lines.push(...moved.slice(0, maxPaths));
  if (moved.length > maxPaths) lines.push(`…and ${moved.length - maxPaths} more path(s)`);
  const [insNow, insNext] = [
    instructionsFor(boundedInstructions(now), paths),
    instructionsFor(boundedInstructions(next), paths),
  ];
  if (JSON.stringify(insNow) !== JSON.stringify(insNext))
    lines.push(`path instructions for the changed files: ${insNext.length} (now ${insNow.length})`);
  return lines;
}

/** What the analysis result carries of the repository's configuration (absent: no file was found). */
export interface RepoConfigOutcome {
  /** The files in force, as `repository:path@commit`. */
  sources: string[];
  /** What is wrong with a file that was ignored (`file:line:column: key: message`); the server's settings apply. */
  problems: string[];
  /** Why this pull request is not reviewed, when the configuration skips it. */
  skipped?: string;
  failOn?: FailOn;
  review?: 'incremental' | 'full';
  /** The team's guidance per path glob, bounded (src/gate/repo-rules.ts). */
  instructions?: PathInstruction[];
  /** What the pull request's own version of the file would change for it, once merged. */
  proposed?: string[];
}

/** The summary's lines about the repository's configuration (`path`: its file in this repository). */
export function configNotes(c: RepoConfigOutcome, path: string, noun = 'pull request'): string[] {
  const lines = [
    `**Repository configuration**: ${c.sources.length ? c.sources.map((s) => `\`${s}\``).join(', ') : 'none in force'}.`,
    ...c.problems.map((p) => `- Ignored, the server's settings apply: ${p}`),
  ];
  if (c.proposed)
    lines.push(
      `**This ${noun} changes \`${path}\`**: it applies once merged (this review used the base commit's). For this ${noun} it would change:`,
      ...c.proposed.map((p) => `- ${p}`),
    );
  return lines;
}
