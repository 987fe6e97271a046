// Reads the gate's repository configuration for one pull request, inside the analysis activity (no command
// of its own): the organization's default (GitHub: `<owner>/.github`'s `.github/aof.yaml` at its default
// branch) under the repository's file at the pull request's BASE commit, never its head. A file the pull
// request changes is read at its head only to say what it would change once merged. What comes back is
// bounded: settings, reasons and notes, never the file's text.
import {
  forgeOf,
  forgeTargetOf,
  type ChangeTarget,
  type ConfigFileAt,
  type ForgeTarget,
  type ForgeVerbs,
  type RepoConfigFiles,
} from '../../src/forges/port.js';
import { parseRepoConfig, tooLarge } from '../../src/gate/repo-config.js';
import {
  boundedInstructions,
  mergeGate,
  ORG_CONFIG_REPO,
  repoConfigPath,
  proposedChanges,
  skipReason,
  type ChangeFacts,
  type RepoConfigOutcome,
  type RepoGateConfig,
} from '../../src/gate/repo-rules.js';

/** Problems listed per file, at most; each cut beyond PROBLEM_CHARS. */
const MAX_PROBLEMS = 10;
const PROBLEM_CHARS = 300;
/** Read up to this much, so a file over the cap gets its own error rather than reading as absent. */
export const REPO_CONFIG_READ_BYTES = 1024 * 1024;
const READ_BYTES = REPO_CONFIG_READ_BYTES;

/** The configuration in force for a change, and how to read the head's version of the file. */
export interface RepoConfigRead {
  path: string;
  gate: RepoGateConfig;
  facts: ChangeFacts;
  outcome: RepoConfigOutcome;
  requests: number;
  /** The org default alone, under which a proposed repository file would apply. */
  org: RepoGateConfig;
}

const listedProblems = (problems: string[]) =>
  problems.slice(0, MAX_PROBLEMS).map((p) => (p.length > PROBLEM_CHARS ? `${p.slice(0, PROBLEM_CHARS - 1)}…` : p));

function parsed(label: string, file: ConfigFileAt | undefined, problems: string[]): RepoGateConfig | undefined {
  if (file?.tooLarge !== undefined) {
    problems.push(tooLarge(label, file.tooLarge));
    return undefined;
  }
  if (file?.text === null || file?.text === undefined) return undefined;
  const r = parseRepoConfig(label, file.text);
  if ('problems' in r) {
    problems.push(...listedProblems(r.problems));
    return undefined;
  }
  return r.gate;
}

/** The change's facts and its files, on a forge without `configFiles`: its `changeInfo`, then both files. */
async function filesOf(
  v: ForgeVerbs,
  t: ChangeTarget,
  path: string,
  orgRepo: string | undefined,
): Promise<RepoConfigFiles | undefined> {
  if (v.configFiles) return v.configFiles(t, path, orgRepo, READ_BYTES);
  const info = await v.changeInfo?.(t);
  if (!info) return undefined;
  const target = forgeTargetOf(t);
  const at = async (repo: ForgeTarget, ref: string): Promise<[ConfigFileAt, number]> => {
    const read = await v.filesAt(repo, ref, [path], READ_BYTES);
    const size = read.tooLarge?.get(path);
    return [
      size !== undefined ? { text: null, tooLarge: size } : { text: read.contents.get(path) ?? null },
      read.requests,
    ];
  };
  const [base, org] = await Promise.all([
    info.baseSha ? at(target, info.baseSha) : undefined,
    orgRepo ? at({ ...target, repo: orgRepo }, 'HEAD') : undefined,
  ]);
  return {
    info,
    base: base?.[0] ?? { text: null },
    ...(org ? { org: org[0] } : {}),
    requests: 1 + (base?.[1] ?? 0) + (org?.[1] ?? 0),
  };
}

/** The configuration in force for `t`; undefined where the forge's adapter cannot say what a change is. */
export async function readRepoConfig(v: ForgeVerbs, t: ChangeTarget): Promise<RepoConfigRead | undefined> {
  const forge = forgeOf(t);
  const path = repoConfigPath(forge);
  const orgRepo = forge === 'github' && t.repo !== ORG_CONFIG_REPO ? ORG_CONFIG_REPO : undefined;
  const files = await filesOf(v, t, path, orgRepo);
  if (!files) return undefined;
  const { info } = files;
  const problems: string[] = [];
  const sources: string[] = [];
  const orgGate = parsed(`${t.owner}/${ORG_CONFIG_REPO}:${path}`, files.org, problems);
  if (orgGate) sources.push(`${t.owner}/${ORG_CONFIG_REPO}:${path}`);
  const repoGate = parsed(path, files.base, problems);
  if (repoGate) sources.push(`${path}@${info.baseSha.slice(0, 7)}`);
  const gate = mergeGate(orgGate ?? {}, repoGate ?? {});
  const facts: ChangeFacts = {
    draft: info.draft,
    author: info.author,
    title: info.title,
    baseBranch: info.baseBranch,
  };
  const instructions = boundedInstructions(gate);
  const skipped = skipReason(gate, facts);
  return {
    path,
    gate,
    facts,
    org: orgGate ?? {},
    requests: files.requests,
    outcome: {
      sources,
      problems,
      ...(skipped ? { skipped } : {}),
      ...(gate.fail_on ? { failOn: gate.fail_on } : {}),
      ...(gate.review ? { review: gate.review } : {}),
      ...(instructions.length ? { instructions } : {}),
    },
  };
}

/**
 * What the head's version of the file would change for this pull request once merged (it applies then, not
 * now): lines for the summary, or the problems of the new file.
 */
export function proposedNote(read: RepoConfigRead, headText: string | null, changedPaths: string[]): string[] {
  const problems: string[] = [];
  const next = headText === null ? {} : parsed(read.path, { text: headText }, problems);
  if (!next) return problems.map((p) => `the new file is invalid and would be ignored: ${p}`);
  const lines = proposedChanges(read.gate, mergeGate(read.org, next), read.facts, changedPaths);
  return lines.length ? lines : ['nothing changes for this pull request'];
}
