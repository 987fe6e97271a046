// Glob patterns for repositories (`owner/*`, `owner/prefix-*`) and branches (`release/*`, `**`).
// `*` never crosses a `/`; `**` does. Matching is case-insensitive for repositories (GitHub's rule).

export function globToRegExp(pattern: string, flags = ''): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, flags);
}

export const matchesAny = (value: string, patterns: string[], flags = '') =>
  patterns.some((p) => globToRegExp(p, flags).test(value));
