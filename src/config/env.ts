// ${ENV} and ${ENV:-default} expansion in string values. An unset variable without a default is a
// problem reported at its line, never a silent empty string (an empty webhook secret would be a hole).

const pattern = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** An unset variable without a default: '' (with a problem), or the reference left as written. */
export type UnsetVariables = 'empty' | 'keep';

export function expandString(
  value: string,
  env: NodeJS.ProcessEnv,
  missing: string[],
  unset: UnsetVariables = 'empty',
): string {
  return value.replace(pattern, (reference: string, name: string, fallback: string | undefined) => {
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    if (fallback !== undefined) return fallback;
    missing.push(name);
    return unset === 'keep' ? reference : '';
  });
}

/** A problem of `expandEnv`; `unset` names the variable that was not set. */
export interface EnvProblem {
  path: (string | number)[];
  message: string;
  unset?: string;
}

export function expandEnv(
  value: unknown,
  path: (string | number)[],
  problems: EnvProblem[],
  env: NodeJS.ProcessEnv = process.env,
  unset: UnsetVariables = 'empty',
): unknown {
  if (typeof value === 'string') {
    if (resolvedByWorker(path)) return value;
    const missing: string[] = [];
    const out = expandString(value, env, missing, unset);
    for (const name of missing) {
      problems.push({
        path,
        unset: name,
        message: `environment variable ${name} is not set (write \${${name}:-default} to give a default)`,
      });
    }
    return out;
  }
  if (Array.isArray(value)) return value.map((v, i) => expandEnv(v, [...path, i], problems, env, unset));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, expandEnv(v, [...path, k], problems, env, unset)]),
    );
  }
  return value;
}

/** True when `value` refers to an environment variable (`${NAME}` or `${NAME:-default}`). */
export function hasEnvReference(value: string): boolean {
  return new RegExp(pattern.source).test(value);
}

/**
 * Where a resource may name environment variables. A DaemonConfig and a Trigger are read by the ingress
 * and worker only, so their values are expanded at load (a Trigger's `params` excepted: they become
 * workflow input). In flows, only an http node's url, headers and body may name them, and the worker
 * resolves those inside the activity: a secret never enters a workflow's input or history.
 */
export function envPolicy(kind: unknown): 'expand' | 'resolve-in-activity' {
  return kind === 'DaemonConfig' || kind === 'Trigger' ? 'expand' : 'resolve-in-activity';
}

/**
 * An MCP server's `env` and `headers` (in a DaemonConfig, an Agent or a fleet's inline member): the worker
 * reads their `${VAR}` from its own environment when it connects, so the load leaves them as written.
 */
export function resolvedByWorker(path: (string | number)[]): boolean {
  const i = path.lastIndexOf('mcp_servers');
  return i >= 0 && typeof path[i + 1] === 'number' && (path[i + 2] === 'env' || path[i + 2] === 'headers');
}

const HTTP_ENV_KEYS = new Set(['url', 'headers', 'body']);

/** Environment references a resource may not hold, with the path of each. */
export function misplacedEnvReferences(
  value: unknown,
  kind: unknown,
  path: (string | number)[] = [],
  node?: Record<string, unknown>,
): { path: (string | number)[]; message: string }[] {
  if (typeof value === 'string') {
    if (!hasEnvReference(value) || resolvedByWorker(path)) return [];
    const inParams = kind === 'Trigger' && path[0] === 'spec' && path[1] === 'commands' && path[3] === 'params';
    const inHttpNode =
      (kind === 'AgentFlow' || kind === 'Flow') &&
      path[0] === 'spec' &&
      path[1] === 'nodes' &&
      path[3] === 'config' &&
      node?.type === 'http' &&
      HTTP_ENV_KEYS.has(String(path[4]));
    if (kind === 'DaemonConfig' || (kind === 'Trigger' && !inParams) || inHttpNode) return [];
    return [
      {
        path,
        message:
          "environment variables are not expanded here: the value would be written into workflow history. Name them only in a DaemonConfig, a Trigger's config, or the url, headers and body of an http flow node (resolved by the worker)",
      },
    ];
  }
  if (Array.isArray(value))
    return value.flatMap((v, i) =>
      misplacedEnvReferences(
        v,
        kind,
        [...path, i],
        path[1] === 'nodes' && path.length === 2 ? (v as Record<string, unknown>) : node,
      ),
    );
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => misplacedEnvReferences(v, kind, [...path, k], node));
  return [];
}
