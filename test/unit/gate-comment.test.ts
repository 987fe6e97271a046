// The gate's PR comment offers nothing that does not exist: the only sales text is the configured upsell.
import assert from 'node:assert/strict';
import { prComment, type ReviewOutcome } from '../../src/gate/report.js';

const outcome = (upsell?: ReviewOutcome['upsell']): ReviewOutcome => ({
  title: 'AFA',
  reviews: [
    {
      fn: {
        path: 'src/a.ts',
        name: 'run',
        language: 'typescript',
        startLine: 1,
        endLine: 3,
        changedLines: [2],
        hash: 'h',
      },
      results: [{ reviewer: 'security', findings: [], score: 40, tokens: 10 }],
    },
  ],
  skipped: [],
  reused: 0,
  tokensUsed: 10,
  tokensSaved: 0,
  tier: 'community',
  upsell,
  upgradeUrl: 'https://example.com/upgrade',
});

describe('gate comment', () => {
  it('names low-scoring functions without advertising commands or endpoints this product lacks', () => {
    const body = prComment(outcome(), 'neutral');
    assert.match(body, /1 function\(s\) scored below 80: their findings are listed above/);
    assert.doesNotMatch(body, /afa enhance|\/v1\/enhance/);
  });

  it('the upsell section is the configured text, and only when configured', () => {
    assert.doesNotMatch(prComment(outcome(), 'neutral'), /AEGIS/);
    const body = prComment(outcome({ title: 'AEGIS', text: 'AEGIS hardens what AFA finds.' }), 'neutral');
    assert.match(body, /### AEGIS\n\nAEGIS hardens what AFA finds\./);
  });
});
