// Bitbucket gives a pull request's changes as two reads: its diffstat (paths, status, line counts; paged)
// and its whole diff (one `git diff` text). This splits the diff into each file's patch, from its first
// hunk on, as GitHub's `patch` of a file is.

/** Each file's patch by its path (the new path; a removed file's old path). Binary files have none. */
export function splitGitDiff(diff: string): Map<string, string> {
  const out = new Map<string, string>();
  const sections = diff.split(/^(?=diff --git )/m).filter((s) => s.startsWith('diff --git '));
  for (const section of sections) {
    const lines = section.split('\n');
    const hunk = lines.findIndex((l) => l.startsWith('@@'));
    const header = hunk < 0 ? lines : lines.slice(0, hunk);
    const path = pathOf(header);
    if (!path || hunk < 0) continue;
    out.set(path, lines.slice(hunk).join('\n').replace(/\n+$/, '\n'));
  }
  return out;
}

/** The file a section's header names: `+++ b/<path>`, else `--- a/<path>` (removed), else `diff --git`. */
function pathOf(header: string[]): string | undefined {
  const plus = header.find((l) => l.startsWith('+++ '));
  if (plus && plus !== '+++ /dev/null') return unquote(plus.slice(4)).replace(/^b\//, '');
  const minus = header.find((l) => l.startsWith('--- '));
  if (minus && minus !== '--- /dev/null') return unquote(minus.slice(4)).replace(/^a\//, '');
  const m = /^diff --git a\/(.*) b\/(.*)$/.exec(header[0] ?? '');
  return m?.[2];
}

/** git quotes paths with unusual characters (`"b/a\tb"`); tabs end a path followed by a timestamp. */
function unquote(p: string): string {
  const s = p.replace(/\t.*$/, '');
  if (!s.startsWith('"')) return s;
  try {
    return JSON.parse(s) as string;
  } catch {
    return s.slice(1, -1);
  }
}
