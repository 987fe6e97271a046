// An agent's `github_post_review` with line comments on a Bitbucket pull request, Cloud and Data Center, end to
// end (issue 28 item 1): each comment an inline comment at its first line (Cloud's `inline: {path, to}`, Data
// Center's `anchor`), its replacement shown as code (Bitbucket has no suggestion an author can commit), a
// comment on a line the diff does not show listed in the review's text with its `path:line`, and the review's
// text one comment. Inline comments Bitbucket stored before answering 500 exist once after the retry.
import assert from 'node:assert/strict';
import { FakeAnthropic, text, tools } from '../fakes/fake-anthropic.js';
import {
  BITBUCKET_FLAVORS,
  bitbucketDaemon,
  bitbucketSuite,
  bitbucketTriggerYaml,
} from '../harness/bitbucket-stack.js';
import { reviewWithComments, TOTAL_SOURCE } from '../harness/review-comments.js';
import { sha } from '../harness/synthetic-pr.js';

const PATCH = `@@ -0,0 +1,5 @@\n${TOTAL_SOURCE.map((l) => `+${l}`).join('\n')}\n`;
const [TOOL, INPUT] = reviewWithComments(true);
/** The review's two comments on the diff, and one on line 9, which the diff does not show. */
const REVIEW: [string, unknown] = [
  TOOL,
  {
    ...(INPUT as object),
    comments: [
      ...(INPUT as { comments: unknown[] }).comments,
      { path: 'src/total.ts', line: 9, body: 'Past the end.' },
    ],
  },
];
const fake = new FakeAnthropic();
let anthropicUrl = '';

describe('Bitbucket: an agent reviews with line comments (github_post_review)', function () {
  this.timeout(180_000);
  before(async () => {
    anthropicUrl = await fake.start();
  });
  after(() => fake.stop());

  for (const flavor of BITBUCKET_FLAVORS)
    describe(`Bitbucket ${flavor.name}`, function () {
      /** A workspace (Data Center: project) of this run: the shared dev server keeps workflow ids. */
      const WS = `${flavor.dataCenter ? 'LINEDC' : 'linebb'}${Date.now().toString(36).toUpperCase()}`;
      const REPO = `${WS}/app`;
      const { keys } = flavor;
      const { s, bitbucket, stack, send } = bitbucketSuite({
        flavor,
        secret: `bb-lines-${flavor.dataCenter ? 'dc' : 'cloud'}`,
        files: {
          'daemon.yaml': bitbucketDaemon(['triggers', 'agents']),
          'agents/a.yaml':
            'apiVersion: aof.dev/v1\nkind: Agent\nmetadata: {name: reviewer}\nspec:\n  model: anthropic:claude-test\n  max_iterations: 4\n  tools: [github_post_review]\n',
          'triggers/t.yaml': bitbucketTriggerYaml(
            'prs',
            `config:\n  repositories: ["${WS}/*"]\ncommands:\n  ${keys.opened}: {agent: reviewer}`,
          ),
        },
        seed: (s) => {
          s.addUser({ nickname: 'dev' });
          s.addRepository(REPO, { aofbot: 'write', dev: 'write' });
        },
        anthropicUrl: () => anthropicUrl,
      });
      beforeEach(() => fake.reset());

      /** Opens pull request `id` and waits for its agent run's result. */
      const open = async (id: number) => {
        s.addPullRequest(REPO, {
          id,
          author: 'dev',
          sourceCommit: sha(`${REPO}#${id}`),
          changes: [{ path: 'src/total.ts', status: 'added', patch: PATCH, content: `${TOTAL_SOURCE.join('\n')}\n` }],
        });
        const res = await send(keys.opened, flavor.payloadAbout(s, keys.opened, { repo: REPO, id, actor: 'dev' }));
        const body = (await res.json()) as { workflowId: string };
        assert.equal(res.status, 201, JSON.stringify(body));
        return stack().client.workflow.getHandle(body.workflowId).result();
      };
      const bot = () => s.mustUser('aofbot').uuid;
      const inline = (id: number) => s.commentsOf(REPO, id).filter((c) => c.userUuid === bot() && c.inline);
      const reviews = (id: number) =>
        s.commentsOf(REPO, id).filter((c) => c.userUuid === bot() && c.raw.startsWith('Two remarks.'));

      it('each comment inline at its first line with its code shown; one off the diff listed in the review', async () => {
        fake.script(tools(REVIEW), text('Reviewed.'));
        const result = await open(1);
        assert.deepEqual(
          result.agent.toolCalls.map((c: { ok: boolean }) => c.ok),
          [true],
        );
        const lines = inline(1);
        assert.deepEqual(
          lines.map((c) => c.inline),
          [
            { path: 'src/total.ts', line: 3 },
            { path: 'src/total.ts', line: 2 },
          ],
        );
        assert.ok(
          lines[0]!.raw.startsWith(
            'An index loop where reduce says it.\n\nSuggested code:\n\n```\n  sum = items.reduce((a, b) => a + b, 0);\n```',
          ),
          lines[0]!.raw,
        );
        assert.ok(lines[1]!.raw.includes('```\n  return items.reduce((a, b) => a + b, 0);\n```'), lines[1]!.raw);
        const [review] = reviews(1);
        assert.equal(reviews(1).length, 1, 'the review is one comment');
        assert.match(
          review!.raw,
          /Not on lines this pull request's diff shows, so listed here:\n\n---\n`src\/total\.ts:9`: Past the end\./,
        );
        assert.doesNotMatch(review!.raw, /An index loop/, 'the inline ones are not repeated');
        assert.deepEqual(s.violations, [], `only parameters Bitbucket ${flavor.name} documents were sent`);
      });

      it('inline comments Bitbucket stored before answering 500 exist once after the retry', async () => {
        fake.script(tools(REVIEW), text('Reviewed.'));
        const faults = bitbucket.afterWriteFaults;
        bitbucket.failAfterWrite(1, 'status500', new RegExp(`^POST ${flavor.prPath(REPO, 2)}/comments$`));
        await open(2);
        assert.equal(bitbucket.afterWriteFaults - faults, 1, 'a comment was stored, then answered 500');
        assert.deepEqual(
          inline(2)
            .map((c) => c.inline!.line)
            .sort(),
          [2, 3],
          'each inline comment once',
        );
        assert.equal(reviews(2).length, 1, 'the review once');
      });
    });
});
