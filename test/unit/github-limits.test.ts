// GitHub's limits on the texts it stores (issue 23, item 2): one `fit` that cuts between code points with
// a visible note, in characters or in bytes as GitHub counts each text; the fleet report and the gate's
// summary use it before they reach the activities.
import assert from 'node:assert/strict';
import { fleetReport } from '../../src/agents/fleet-report.js';
import { checkSummary, type ReviewOutcome } from '../../src/gate/report.js';
import { fit, LIMITS, sizeOf } from '../../src/forges/github/limits.js';
import { NOTE_LIMIT } from '../../src/forges/gitlab/verbs.js';
import { COMMENT_LIMIT } from '../../src/forges/bitbucket/verbs.js';
import { less } from '../../src/forges/text-limits.js';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const wellFormed = (s: string) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

describe("GitHub's text limits", () => {
  it('a text within its limit is unchanged, to the last unit', () => {
    const exact = 'a'.repeat(65_536);
    assert.equal(fit(exact, LIMITS.commentBody), exact);
    const bytesExact = 'é'.repeat(32_767) + 'x'; // 65,535 bytes
    assert.equal(fit(bytesExact, LIMITS.checkSummary), bytesExact);
  });

  it("another forge's text is cut with a note naming that forge's limit, never GitHub's", () => {
    const gitlab = fit('a'.repeat(NOTE_LIMIT.max + 1), NOTE_LIMIT);
    assert.equal(gitlab.length, NOTE_LIMIT.max);
    assert.match(gitlab.slice(-200), /…\(cut: longer than GitLab's limit of 1000000 characters\)$/);
    const marked = less(NOTE_LIMIT, '<!-- marker -->');
    assert.match(fit('a'.repeat(NOTE_LIMIT.max), marked).slice(-80), /GitLab's limit of 999985 characters\)$/);
    // Bitbucket documents no limit on a comment: the bound is ours, and the note says so.
    assert.match(fit('a'.repeat(70_000), COMMENT_LIMIT).slice(-80), /longer than our limit of 65536 characters\)$/);
  });

  it('one character over: cut with a visible note, within the limit', () => {
    const out = fit('a'.repeat(65_537), LIMITS.commentBody);
    assert.equal(out.length, 65_536);
    assert.match(out.slice(-200), /\n\n…\(cut: longer than GitHub's limit of 65536 characters\)$/);
  });

  it('bytes are counted in UTF-8, and the cut never splits a code point', () => {
    const text = '😀'.repeat(16_384); // 32,768 UTF-16 units, 65,536 bytes
    const out = fit(text, LIMITS.checkSummary);
    assert.ok(bytes(out) <= 65_535);
    assert.equal(sizeOf(out, 'bytes'), bytes(out));
    assert.ok(wellFormed(out));
    assert.match(out.slice(-200), /😀\n\n…\(cut: longer than GitHub's limit of 65535 bytes\)$/);
    const chars = fit('x'.repeat(138) + '😀😀', LIMITS.statusDescription);
    assert.equal(chars, 'x'.repeat(138) + '…', 'the emoji that would straddle the limit goes whole');
  });

  it('short fields end in an ellipsis', () => {
    assert.equal(fit('t'.repeat(256), LIMITS.annotationTitle), 't'.repeat(254) + '…');
    assert.equal(fit('l'.repeat(51), LIMITS.labelName), 'l'.repeat(49) + '…');
  });

  it('the fleet report over its 65,000 characters says it was cut', () => {
    const report = fleetReport('f', 'parallel', [{ member: 'a', agent: 'a', ok: true, answer: 'y'.repeat(70_000) }]);
    assert.ok(report.length <= 65_000);
    assert.match(report.slice(-200), /…\(cut: longer than GitHub's limit of 65000 characters\)$/);
  });

  it("the gate's summary of fewer than 65,535 characters and over 72,333 bytes fits GitHub's 65,535 bytes", () => {
    const outcome: ReviewOutcome = {
      title: 'AFA',
      reviews: [],
      skipped: [],
      reused: 0,
      tokensUsed: 0,
      tokensSaved: 0,
      tier: 'community',
      upgradeUrl: 'https://example.com/upgrade',
    };
    // Long non-ASCII file names: 200 lines of 3 bytes a character, over 65,535 bytes in far fewer characters.
    for (let i = 0; i < 200; i++)
      outcome.skipped.push({ path: `資料/${'ファイル名'.repeat(24)}${i}.bin`, reason: 'language not supported' });
    const whole = outcome.skipped.map((s) => `- ${s.path}: ${s.reason}`).join('\n');
    assert.ok(whole.length < 32_000 && bytes(whole) > 72_333, `${whole.length} characters, ${bytes(whole)} bytes`);
    const summary = checkSummary(outcome);
    assert.ok(summary.length < 65_535, 'fewer characters than the limit');
    assert.ok(bytes(summary) <= 65_535, `${bytes(summary)} bytes`);
    assert.match(
      summary,
      /…\(cut: the full report is longer than GitHub allows; see the annotations and the PR comment\)$/,
    );
    assert.ok(wellFormed(summary));
  });
});
