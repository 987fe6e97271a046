// The repository's gate configuration: parsing with file:line positions, the size cap, the org default under
// the repository's file, and what it decides for one pull request.
import assert from 'node:assert/strict';
import { parseRepoConfig, REPO_CONFIG_MAX_BYTES } from '../../src/gate/repo-config.js';
import {
  fails,
  instructionsFor,
  mergeGate,
  pathFiltered,
  proposedChanges,
  skipReason,
  type ChangeFacts,
} from '../../src/gate/repo-rules.js';
import { coverageLines, skipKind } from '../../src/gate/coverage.js';
import { verdictOf } from '../../src/gate/verdict.js';

const facts: ChangeFacts = { draft: false, author: 'alice', title: 'Add login', baseBranch: 'main' };

describe('repository gate configuration', () => {
  it('parses the keys of the issue', () => {
    const r = parseRepoConfig(
      '.github/aof.yaml',
      `gate:
  enabled: true
  paths: { include: ['src/**'], exclude: ['**/*.generated.ts'] }
  path_instructions: [{ path: 'src/db/**', instructions: 'Queries must use bound parameters.' }]
  fail_on: high
  skip: { drafts: true, authors: ['dependabot[bot]'], title_keywords: ['WIP'], base_branches: ['release/*'] }
  review: incremental
`,
    );
    assert.ok('gate' in r, JSON.stringify(r));
    assert.equal(r.gate.fail_on, 'high');
    assert.deepEqual(r.gate.skip?.authors, ['dependabot[bot]']);
  });

  it('says what is wrong and where: file:line:column and the key', () => {
    const r = parseRepoConfig('.aof.yaml', 'gate:\n  enabled: true\n  fail_on: sometimes\n  revew: full\n');
    assert.ok('problems' in r);
    assert.deepEqual(r.problems, [
      '.aof.yaml:3:12: gate.fail_on: expected one of "critical", "high", "medium", "low", "never"',
      '.aof.yaml:4:3: gate.revew: unknown key "revew" (did you mean "review"?)',
    ]);
    const syntax = parseRepoConfig('.aof.yaml', 'gate:\n  paths: [a\n');
    assert.ok('problems' in syntax);
    assert.match(syntax.problems[0]!, /^\.aof\.yaml:\d+:\d+: YAML syntax: /);
  });

  it('refuses a file over the size cap with a clear error', () => {
    const r = parseRepoConfig('.aof.yaml', `# ${'x'.repeat(REPO_CONFIG_MAX_BYTES)}\ngate: {}\n`);
    assert.deepEqual(r, {
      problems: [
        `.aof.yaml: the file is too large (${REPO_CONFIG_MAX_BYTES + 12} bytes; at most ${REPO_CONFIG_MAX_BYTES} are read)`,
      ],
    });
  });

  it("merges the organization's default under the repository's file, key by key", () => {
    const merged = mergeGate(
      { fail_on: 'low', skip: { drafts: true, authors: ['bot'] }, review: 'full' },
      { fail_on: 'high', skip: { authors: ['renovate'] } },
    );
    assert.deepEqual(merged, { fail_on: 'high', review: 'full', skip: { drafts: true, authors: ['renovate'] } });
  });

  it('skips by enabled, draft, author, title keyword and base branch', () => {
    assert.equal(skipReason({}, facts), undefined);
    assert.match(skipReason({ enabled: false }, facts)!, /turned off/);
    assert.match(skipReason({ skip: { drafts: true } }, { ...facts, draft: true })!, /draft/);
    assert.equal(skipReason({ skip: { drafts: true } }, facts), undefined);
    assert.match(skipReason({ skip: { authors: ['ALICE'] } }, facts)!, /author alice/);
    assert.match(skipReason({ skip: { title_keywords: ['login'] } }, facts)!, /title contains "login"/);
    assert.match(
      skipReason({ skip: { base_branches: ['release/*'] } }, { ...facts, baseBranch: 'release/2' })!,
      /release\/2/,
    );
    assert.equal(skipReason({ skip: { base_branches: ['release/*'] } }, facts), undefined);
  });

  it('filters paths by include and exclude globs; **/ matches at the root too', () => {
    const g = { paths: { include: ['src/**'], exclude: ['**/*.generated.ts'] } };
    assert.equal(pathFiltered(g, 'src/a.ts'), undefined);
    assert.match(pathFiltered(g, 'lib/a.ts')!, /not in gate.paths.include/);
    assert.match(pathFiltered(g, 'src/x/api.generated.ts')!, /gate.paths.exclude/);
    assert.match(pathFiltered({ paths: { exclude: ['**/*.generated.ts'] } }, 'api.generated.ts')!, /exclude/);
    assert.deepEqual(
      instructionsFor([{ path: 'src/db/**', instructions: 'bind' }], ['src/db/q.ts']).map((i) => i.instructions),
      ['bind'],
    );
    assert.deepEqual(instructionsFor([{ path: 'src/db/**', instructions: 'bind' }], ['src/a.ts']), []);
  });

  it('fail_on sets the severity that fails; never fails nothing', () => {
    assert.equal(fails('critical'), true);
    assert.equal(fails('high'), false);
    assert.equal(fails('high', 'high'), true);
    assert.equal(fails('medium', 'high'), false);
    assert.equal(fails('critical', 'never'), false);
  });

  it('says what a proposed configuration would change for the pull request', () => {
    assert.deepEqual(proposedChanges({}, { enabled: false, fail_on: 'never' }, facts, ['src/a.ts']), [
      'this pull request would not be reviewed: the gate is turned off (gate.enabled: false)',
      'the check would be advisory (gate.fail_on: never): neutral instead of failure',
    ]);
    assert.deepEqual(proposedChanges({}, { paths: { exclude: ['src/**'] } }, facts, ['src/a.ts', 'b.ts']), [
      'src/a.ts: left out (path filter: gate.paths.exclude "src/**") (now reviewed)',
    ]);
  });

  it('coverage: every function reviewed, reused or left out, by kind', () => {
    const fn = (name: string) => ({
      path: 'a.ts',
      name,
      language: 'ts',
      startLine: 1,
      endLine: 2,
      changedLines: [1],
      hash: name,
    });
    const verdict = verdictOf(
      {
        reviews: [
          { fn: fn('a'), results: [{ reviewer: 'security', findings: [], score: 100, tokens: 1 }] },
          { fn: fn('b'), results: [{ reviewer: 'security', findings: [], score: 100, tokens: 1, reused: true }] },
        ],
        skipped: [
          { path: 'gen/x.generated.ts', reason: 'generated or vendored path' },
          { path: 'lib/y.ts', reason: 'path filter: not in gate.paths.include' },
          { path: 'a.ts (big)', reason: "not analysed: the review's size limit (10 bytes of code) was reached" },
          { path: 'img.png', reason: 'binary or too large for a diff' },
        ],
      },
      'h',
      'success',
    );
    const text = coverageLines(verdict).join('\n');
    assert.match(text, /- 1 function\(s\) reviewed\n {2}- `a\.ts` `a`/);
    assert.match(text, /- 1 function\(s\) reused from an earlier push \(unchanged\)\n {2}- `a\.ts` `b`/);
    assert.match(
      text,
      /- 1 function\(s\) and 3 file\(s\) not analysed \(path filter: 1, generated or vendored: 1, binary: 1, size cap: 1\)/,
    );
    assert.equal(skipKind('language not supported'), 'language');
  });
});
