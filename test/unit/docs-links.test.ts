// Every relative link in README.md and docs/*.md points at a file that exists, and a `#anchor` on a
// Markdown page at one of its headings (GitHub's slugs), so moving or renaming a page cannot leave a
// dead link behind. Links to other sites are not checked.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

const pages = (): string[] => [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];

/** Markdown with its fenced code blocks and inline code taken out: links there are examples, not links. */
const prose = (md: string): string =>
  md.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');

/** The targets of inline links `[text](target)` and reference definitions `[x]: target`. */
function linkTargets(md: string): string[] {
  const text = prose(md);
  const inline = [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
  const defined = [...text.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]!);
  return [...inline, ...defined];
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens; repeats get -1, -2. */
function anchors(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of md.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = m[1]!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  return out;
}

const external = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//');

/** Every broken relative link of `page` (a path from the repository root), as "page: target (why)". */
function brokenLinks(page: string, rootDir = root): string[] {
  const md = readFileSync(join(rootDir, page), 'utf8');
  const broken: string[] = [];
  for (const target of linkTargets(md)) {
    if (external(target)) continue;
    const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
    const file = pathPart ? relative(rootDir, resolve(rootDir, dirname(page), decodeURI(pathPart))) : page;
    if (file.startsWith('..')) {
      broken.push(`${page}: ${target} (outside the repository)`);
      continue;
    }
    if (!existsSync(join(rootDir, file))) {
      broken.push(`${page}: ${target} (no file ${file})`);
      continue;
    }
    if (anchor && file.endsWith('.md') && !anchors(readFileSync(join(rootDir, file), 'utf8')).has(anchor))
      broken.push(`${page}: ${target} (no heading #${anchor} in ${file})`);
  }
  return broken;
}

describe('documentation links', () => {
  it('README.md and every docs page link only to files and headings that exist', () => {
    const all = pages();
    assert.ok(all.length > 1, 'docs/ holds pages');
    assert.deepEqual(
      all.flatMap((p) => brokenLinks(p)),
      [],
    );
  });

  it('the README links to every docs page', () => {
    const linked = new Set(linkTargets(readFileSync(join(root, 'README.md'), 'utf8')).map((t) => t.split('#')[0]));
    assert.deepEqual(
      pages()
        .filter((p) => p !== 'README.md')
        .filter((p) => !linked.has(p)),
      [],
    );
  });

  it('finds a broken link, a broken anchor and a link outside the repository', () => {
    const md = [
      '# Title',
      '## GitHub’s API limits (today)',
      'See [a](docs/missing.md), [b](#githubs-api-limits-today), [c](#nowhere), [d](../x.md),',
      '[e](https://example.com/x), `[f](docs/in-code.md)` and [g](README.md#title).',
      '```',
      '[h](docs/in-a-fence.md)',
      '```',
    ].join('\n');
    const dir = mkdtempSync(join(tmpdir(), 'docs-links-'));
    try {
      writeFileSync(join(dir, 'README.md'), md);
      assert.deepEqual(brokenLinks('README.md', dir), [
        'README.md: docs/missing.md (no file docs/missing.md)',
        'README.md: #nowhere (no heading #nowhere in README.md)',
        'README.md: ../x.md (outside the repository)',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
