// ${ENV} and ${ENV:-default} expansion in string values. An unset variable without a default is a
// problem reported at its line, never a silent empty string (an empty webhook secret would be a hole).

const pattern = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function expandString(value: string, env: NodeJS.ProcessEnv, missing: string[]): string {
  return value.replace(pattern, (_, name: string, fallback: string | undefined) => {
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    if (fallback !== undefined) return fallback;
    missing.push(name);
    return '';
  });
}

export function expandEnv(
  value: unknown,
  path: (string | number)[],
  problems: { path: (string | number)[]; message: string }[],
  env: NodeJS.ProcessEnv = process.env,
): unknown {
  if (typeof value === 'string') {
    const missing: string[] = [];
    const out = expandString(value, env, missing);
    for (const name of missing) {
      problems.push({ path, message: `environment variable ${name} is not set (write \${${name}:-default} to give a default)` });
    }
    return out;
  }
  if (Array.isArray(value)) return value.map((v, i) => expandEnv(v, [...path, i], problems, env));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandEnv(v, [...path, k], problems, env)]));
  }
  return value;
}
