// The gate's configuration in the repository (issue 28 item 3) and its coverage (item 5), end to end on
// GitHub: `.github/aof.yaml` read at the pull request's base commit (never its head), the organization's
// default from its `.github` repository, path filters, path instructions as data in the model's user
// message, fail_on, the skip rules (check finished with the reason, no model call) and an invalid file.
import assert from 'node:assert/strict';
import { FakeAnthropic, gateAnswer } from '../fakes/fake-anthropic.js';
import { daemonYaml, triggerYaml, GITHUB_TEST_PLATFORM } from '../harness/config-dir.js';
import { startStackFor, type Stack } from '../harness/stack.js';
import { until } from '../harness/until.js';
import { addedFile, pullRequest, sha } from '../harness/synthetic-pr.js';

/** Organizations of this run: the shared dev server keeps workflow ids across test runs. */
const RUN = Date.now().toString(36);
const ORG = `cfg-${RUN}`;
const GATE = `apiVersion: aof.dev/v1
kind: GateCheck
metadata: {name: afa}
spec:
  title: AFA
  model: anthropic:claude-test
  reviewers: [security]
  billing: {default_tier: enterprise}
`;
const SRC = (name: string) => `export function ${name}(input: string) {\n  return input.trim();\n}\n`;

describe('Gate configuration in the repository (issue 28 items 3 and 5)', function () {
  this.timeout(120_000);
  const fake = new FakeAnthropic();
  let stack: Stack;
  before(async () => {
    stack = await startStackFor(
      {
        'daemon.yaml': daemonYaml(GITHUB_TEST_PLATFORM, '  gates: {directory: gates}\n'),
        'gates/g.yaml': GATE,
        'triggers/t.yaml': triggerYaml(
          'gate',
          `config:\n  repositories: ["${ORG}/*"]\n  github_events: [pull_request]\ncommands:\n  pull_request: {gate: afa}`,
        ),
      },
      { anthropic: fake },
    );
  });
  after(async () => stack?.stop());
  beforeEach(() => {
    stack.sandbox.reset();
    fake.reset();
    // Every function: one high finding on its first line.
    fake.respondWith((body) =>
      gateAnswer(body, () => ({ score: 70, findings: [{ severity: 'high', line: 1, message: 'Looks risky.' }] })),
    );
  });
  afterEach(() => assert.deepEqual(stack.sandbox.violations, []));

  const BASE = 'ba5e'.padEnd(40, '0');
  /** The repository's file at the base commit (and, with `org`, the organization's default). */
  const config = (repo: string, text: string) =>
    stack.sandbox.contents.set(`${ORG}/${repo}@${BASE}:.github/aof.yaml`, text);
  const orgDefault = (text: string) => stack.sandbox.contents.set(`${ORG}/.github@HEAD:.github/aof.yaml`, text);

  /** Opens a pull request whose changed files are `files`; `pr` edits its payload (draft, title, base...). */
  async function open(
    repo: string,
    files: ReturnType<typeof addedFile>[],
    pr: (p: Record<string, any>) => void = () => undefined,
  ) {
    const head = sha(`${ORG}/${repo}:${JSON.stringify(files)}`);
    const p = pullRequest(`${ORG}/${repo}`, 1, head);
    p.pull_request.base.sha = BASE;
    pr(p.pull_request);
    stack.sandbox.addPull(ORG, repo, p.pull_request, files);
    const r = await stack.send('pull_request', p);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    await until(`the gate check of ${repo} completed`, () =>
      stack.sandbox.checkRuns.some((c) => c.head_sha === head && c.status === 'completed'),
    );
    return stack.sandbox.checkRuns.find((c) => c.head_sha === head)!;
  }
  const userMessages = () => fake.requests.map((r) => String(r.body.messages[0].content));

  it('reads the base commit, not the head: a pull request adding a file that turns the gate off is reviewed, and told what it would change', async () => {
    const run = await open('base-not-head', [
      addedFile('src/a.ts', SRC('a')),
      addedFile('.github/aof.yaml', 'gate:\n  enabled: false\n  fail_on: never\n'),
    ]);
    assert.equal(run.conclusion, 'success');
    assert.ok(fake.requests.length > 0, 'the model reviewed the change');
    const summary = run.output.summary!;
    assert.match(summary, /\*\*This pull request changes `\.github\/aof\.yaml`\*\*: it applies once merged/);
    assert.match(summary, /- this pull request would not be reviewed: the gate is turned off \(gate\.enabled: false\)/);
    assert.match(summary, /- the check would be advisory \(gate\.fail_on: never\)/);
    assert.match(summary, /\*\*Repository configuration\*\*: none in force\./);
    const comment = stack.sandbox.commentsOn(ORG, 'base-not-head', 1)[0]!;
    assert.match(comment.body, /would not be reviewed: the gate is turned off/);
  });

  it('paths.exclude leaves functions out, and the coverage says "path filter"', async () => {
    config('paths', "gate:\n  paths: { exclude: ['src/gen/**'] }\n");
    const run = await open('paths', [addedFile('src/a.ts', SRC('a')), addedFile('src/gen/b.ts', SRC('b'))]);
    const asked = userMessages().join('\n');
    assert.match(asked, /src\/a\.ts a /);
    assert.doesNotMatch(asked, /src\/gen\/b\.ts/);
    const summary = run.output.summary!;
    assert.match(summary, /- src\/gen\/b\.ts: path filter: gate\.paths\.exclude "src\/gen\/\*\*"/);
    assert.match(summary, /- 1 function\(s\) reviewed\n {2}- `src\/a\.ts` `a`/);
    assert.match(summary, /not analysed \(path filter: 1\)/);
    assert.match(
      summary,
      new RegExp(`\\*\\*Repository configuration\\*\\*: \`\\.github/aof\\.yaml@${BASE.slice(0, 7)}\``),
    );
  });

  it('fail_on: high fails on a high finding; fail_on: never makes it advisory (neutral)', async () => {
    config('fail-high', 'gate:\n  fail_on: high\n');
    config('advisory', 'gate:\n  fail_on: never\n');
    fake.respondWith((body) =>
      gateAnswer(body, () => ({ score: 30, findings: [{ severity: 'critical', line: 1, message: 'Bad.' }] })),
    );
    assert.equal((await open('advisory', [addedFile('src/a.ts', SRC('a'))])).conclusion, 'neutral');
    fake.respondWith((body) =>
      gateAnswer(body, () => ({ score: 70, findings: [{ severity: 'high', line: 1, message: 'Risky.' }] })),
    );
    assert.equal((await open('fail-high', [addedFile('src/a.ts', SRC('a'))])).conclusion, 'failure');
    // Without a configuration a high finding does not fail (the gate's default is critical).
    assert.equal((await open('no-config', [addedFile('src/a.ts', SRC('a'))])).conclusion, 'success');
  });

  const skipped: [string, string, (p: Record<string, any>) => void, RegExp][] = [
    ['skip-draft', '{ drafts: true }', (p) => (p.draft = true), /skipped: it is a draft \(gate\.skip\.drafts\)/],
    [
      'skip-author',
      "{ authors: ['dependabot[bot]'] }",
      (p) => (p.user.login = 'dependabot[bot]'),
      /skipped: its author dependabot\[bot\] is skipped \(gate\.skip\.authors\)/,
    ],
    [
      'skip-title',
      "{ title_keywords: ['WIP'] }",
      (p) => (p.title = '[wip] half done'),
      /skipped: its title contains "WIP" \(gate\.skip\.title_keywords\)/,
    ],
    [
      'skip-base',
      "{ base_branches: ['release/*'] }",
      (p) => (p.base.ref = 'release/1.2'),
      /skipped: its base branch release\/1\.2 matches "release\/\*" \(gate\.skip\.base_branches\)/,
    ],
  ];
  for (const [repo, rule, edit, title] of skipped)
    it(`skip ${rule}: the check finishes saying why, without a model call`, async () => {
      config(repo, `gate:\n  skip: ${rule}\n`);
      const run = await open(repo, [addedFile('src/a.ts', SRC('a'))], edit);
      assert.equal(run.conclusion, 'neutral');
      assert.match(run.output.title!, title);
      assert.match(run.output.summary!, /This pull request was not reviewed: /);
      assert.equal(fake.requests.length, 0, 'no model call');
    });

  it('an invalid file: the check says file:line and the review runs with the server settings', async () => {
    config('invalid', 'gate:\n  fail_on: sometimes\n  enabled: false\n');
    const run = await open('invalid', [addedFile('src/a.ts', SRC('a'))]);
    assert.ok(fake.requests.length > 0, 'reviewed although the file says enabled: false');
    assert.equal(run.conclusion, 'success');
    assert.match(
      run.output.summary!,
      /- Ignored, the server's settings apply: \.github\/aof\.yaml:2:12: gate\.fail_on: expected one of "critical", "high", "medium", "low", "never"/,
    );
  });

  it('one GraphQL request reads the facts and both files; a file over 1 MB is "too large", not absent', async () => {
    orgDefault("gate:\n  skip: { title_keywords: ['NOPE'] }\n");
    const big = `# ${'x'.repeat(1024 * 1024)}\ngate:\n  enabled: false\n`;
    config('too-large', big);
    const run = await open('too-large', [addedFile('src/a.ts', SRC('a'))]);
    assert.ok(fake.requests.length > 0, 'reviewed with the server settings');
    assert.match(
      run.output.summary!,
      new RegExp(
        `- Ignored, the server's settings apply: \\.github/aof\\.yaml: the file is too large \\(${Buffer.byteLength(big)} bytes; at most 65536 are read\\)`,
      ),
    );
    const configReads = stack.sandbox.requests.filter(
      (q) => q.path === '/graphql' && /baseRef/.test(JSON.stringify(q.body)),
    );
    assert.equal(configReads.length, 1, 'the facts, the base file and the org default in one request');
    assert.deepEqual(
      stack.sandbox.requests.filter((q) => q.path === `/repos/${ORG}/too-large/pulls/1` || /\/contents\//.test(q.path)),
      [],
      'no pulls.get and no file read over REST',
    );
  });

  it("the organization's default from its .github repository, overridden key by key by the repository's file", async () => {
    orgDefault("gate:\n  fail_on: high\n  skip: { title_keywords: ['DRAFT'] }\n");
    config('org-a', 'gate:\n  review: full\n');
    const skippedRun = await open('org-a', [addedFile('src/a.ts', SRC('a'))], (p) => (p.title = 'DRAFT: later'));
    assert.match(skippedRun.output.title!, /skipped: its title contains "DRAFT"/, 'the org default applies');
    assert.equal(fake.requests.length, 0);
    const run = await open('org-a2', [addedFile('src/a.ts', SRC('a'))]);
    assert.equal(run.conclusion, 'failure', 'org-a2 has no file: the org default fail_on: high applies');
    config('org-a3', 'gate:\n  fail_on: critical\n');
    const own = await open('org-a3', [addedFile('src/a.ts', SRC('a'))]);
    assert.equal(own.conclusion, 'success', "the repository's fail_on: critical overrides the org's high");
    assert.match(own.output.summary!, new RegExp(`\`${ORG}/\\.github:\\.github/aof\\.yaml\`, \`\\.github/aof\\.yaml@`));
  });

  it("path_instructions reach the model's user message as data, never the system prompt", async () => {
    config(
      'guided',
      "gate:\n  path_instructions:\n    - { path: 'src/db/**', instructions: 'Queries must use bound parameters.' }\n    - { path: 'web/**', instructions: 'Escape all HTML.' }\n",
    );
    await open('guided', [addedFile('src/db/q.ts', SRC('q'))]);
    assert.ok(fake.requests.length > 0);
    for (const r of fake.requests) {
      const user = String(r.body.messages[0].content);
      assert.match(
        user,
        /<repository_guidance>\npaths "src\/db\/\*\*":\nQueries must use bound parameters\.\n<\/repository_guidance>/,
      );
      assert.doesNotMatch(user, /Escape all HTML/, 'only the instructions for the changed paths');
      assert.doesNotMatch(JSON.stringify(r.body.system), /bound parameters/);
    }
  });
});
