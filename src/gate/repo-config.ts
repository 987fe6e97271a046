// The gate's configuration as a repository writes it (`.github/aof.yaml` on GitHub, `.aof.yaml` on GitLab
// and Bitbucket), read from the pull request's base commit, and an organization's default from its
// `.github` repository (GitHub). Pure: parsing with positions, merging key by key, and what a configuration
// decides for one pull request is src/gate/repo-rules.ts (workflow code uses it); the reading is
// activities/forge/repo-config.ts's.
import { z } from 'zod';
import { LineCounter, parseDocument } from 'yaml';
import { reportIssues } from '../config/parse-resources.js';
import { formatProblem, type ConfigProblem } from '../config/problems.js';
import { FAIL_ON, MAX_PATH_INSTRUCTIONS, type RepoGateConfig } from './repo-rules.js';

/** A configuration file larger than this is refused (with a clear error): it is read on every review. */
export const REPO_CONFIG_MAX_BYTES = 64 * 1024;

const glob = z.string().min(1).max(300);
const globs = z.array(glob).max(100);

const RepoGate = z.strictObject({
  enabled: z.boolean().optional(),
  paths: z.strictObject({ include: globs.optional(), exclude: globs.optional() }).optional(),
  path_instructions: z
    .array(z.strictObject({ path: glob, instructions: z.string().min(1).max(2000) }))
    .max(MAX_PATH_INSTRUCTIONS)
    .optional(),
  fail_on: z.enum(FAIL_ON).optional(),
  skip: z
    .strictObject({
      drafts: z.boolean().optional(),
      authors: z.array(z.string().min(1).max(100)).max(100).optional(),
      title_keywords: z.array(z.string().min(1).max(100)).max(100).optional(),
      base_branches: globs.optional(),
    })
    .optional(),
  review: z.enum(['incremental', 'full']).optional(),
});
export const RepoConfigFile = z.strictObject({ gate: RepoGate.optional() });
// The schema and the rules' type say the same.
const _same: [z.infer<typeof RepoGate>, RepoGateConfig] = [{} as RepoGateConfig, {} as z.infer<typeof RepoGate>];
void _same;

/** A repository's file, parsed: its gate settings, or what is wrong with it (`file:line:column: key: message`). */
export type ParsedRepoConfig = { gate: RepoGateConfig } | { problems: string[] };

/** The problem of a file over REPO_CONFIG_MAX_BYTES (whether the forge sent it or only its size). */
export const tooLarge = (file: string, bytes: number) =>
  `${file}: the file is too large (${bytes} bytes; at most ${REPO_CONFIG_MAX_BYTES} are read)`;

export function parseRepoConfig(file: string, text: string): ParsedRepoConfig {
  const bytes = Buffer.byteLength(text);
  if (bytes > REPO_CONFIG_MAX_BYTES) return { problems: [tooLarge(file, bytes)] };
  const lineCounter = new LineCounter();
  const problems: ConfigProblem[] = [];
  const at = (offset: number | undefined, path: (string | number)[], message: string) => {
    const pos = lineCounter.linePos(offset ?? 0);
    problems.push({ file, line: pos.line, column: pos.col, path: path.join('.'), message });
  };
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  for (const e of doc.errors) at(e.pos[0], [], `YAML syntax: ${e.message.split('\n')[0]}`);
  if (problems.length) return { problems: problems.map(formatProblem) };
  const value = doc.contents === null ? {} : (doc.toJS() as unknown);
  const result = RepoConfigFile.safeParse(value ?? {}, { reportInput: true });
  if (!result.success) {
    reportIssues(doc, RepoConfigFile, value, result.error.issues, at);
    return { problems: problems.map(formatProblem) };
  }
  return { gate: result.data.gate ?? {} };
}
