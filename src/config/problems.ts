// A configuration problem points at file:line:column and the field path, so users can fix their YAML.

export interface ConfigProblem {
  file: string;
  line: number;
  column: number;
  /** Dotted field path, e.g. spec.commands./deploy.agent */
  path: string;
  message: string;
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.path ? ` ${p.path}:` : '';
  return `${p.file}:${p.line}:${p.column}:${where} ${p.message}`;
}

export class ConfigError extends Error {
  constructor(
    readonly problems: ConfigProblem[],
    /** Entries skipped while loading (see Resources.warnings), reported beside the problems. */
    readonly warnings: ConfigProblem[] = [],
  ) {
    super(
      `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => '  ' + formatProblem(p)).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** Levenshtein distance, for "did you mean" suggestions on unknown keys and names. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

export function didYouMean(word: string, candidates: Iterable<string>): string {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestScore) [best, bestScore] = [c, d];
  }
  return best !== undefined && bestScore <= Math.max(2, Math.floor(word.length / 3))
    ? ` (did you mean "${best}"?)`
    : '';
}

/**
 * Why a Trigger's binding cannot run: the agent, fleet, flow or gate it names is not defined. One text for
 * the warning at load and the "unhandled" answer to an event routed there.
 */
export function bindsUndefined(key: string, kind: string, name: string): string {
  return `${key} binds ${kind} "${name}", which is not defined`;
}
