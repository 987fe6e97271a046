// Regular expressions on attacker text (issue 22, item 4). Two kinds of proof, neither a timing:
// - linear by construction: the patterns that backtracked are now scanners (src/gate/scan.ts,
//   explicitVerdict, approvalCommand) that advance a fixed set of states per character; these tests show
//   they answer exactly as the patterns they replace, on every short input of a seeded random sample;
// - every reader of attacker text gets 100 KB of the input that made the old patterns backtrack
//   (test/harness/adversarial-text.ts) and must answer correctly; bench:regex prints how long each takes.
//   The cases run in a worker thread: an old pattern never finishes, and mocha's timeout fails the test.
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { explicitVerdict } from '../../src/agents/consensus.js';
import { emptyCatch, indexOfThenLoop, loopThenAwait, randomForSecret } from '../../src/gate/scan.js';
import { approvalCommand } from '../../src/ingress/pr-signals.js';
import { ADVERSARIAL } from '../harness/adversarial-text.js';

/** A seeded generator (mulberry32): the same sample on every run. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` strings of up to `max` pieces drawn from `parts`. */
function sample(parts: string[], count: number, max = 9, seed = 22) {
  const r = random(seed);
  return Array.from({ length: count }, () => {
    let s = '';
    for (let n = 1 + Math.floor(r() * max); n > 0; n--) s += parts[Math.floor(r() * parts.length)];
    return s;
  });
}

/** The inputs on which `ours` and `pattern` disagree (none expected). */
function disagreements<T>(inputs: string[], ours: (s: string) => T, pattern: (s: string) => T) {
  return inputs.filter((s) => JSON.stringify(ours(s)) !== JSON.stringify(pattern(s))).slice(0, 5);
}

describe('scanners answer as the regular expressions they replace', () => {
  it('the loop-then-await rule: `for\\s*\\(.*\\)\\s*\\{?.*await\\b`', () => {
    const re = /for\s*\(.*\)\s*\{?.*await\b/;
    const parts = ['for', ' ', '(', ')', '{', 'await', 'x', '\n', '\r', '\u2028', '\t', 'awaits', 'f', 'or'];
    assert.deepEqual(
      disagreements(sample(parts, 100_000), loopThenAwait, (s) => re.test(s)),
      [],
    );
  });

  it('the indexOf-then-loop rule: `\\.indexOf\\(.*\\)\\s*(!==?|>=?)\\s*-?1.*\\bfor\\b`', () => {
    const re = /\.indexOf\(.*\)\s*(!==?|>=?)\s*-?1.*\bfor\b/;
    const parts = ['.indexOf(', ')', ' ', '!=', '!==', '>', '>=', '=', '-', '1', 'for', 'x', '\n', 'fore', '(', '\t'];
    assert.deepEqual(
      disagreements(sample(parts, 100_000), indexOfThenLoop, (s) => re.test(s)),
      [],
    );
  });

  it('the weak-randomness rule: `Math\\.random\\(\\).*(token|id|secret)` in any case', () => {
    const re = /Math\.random\(\).*(token|id|secret)/i;
    const parts = ['Math.random()', 'MATH.RANDOM()', 'math.random(', 'x', 'Id', 'tok', 'en', 'ToKeN', 'secret'];
    const more = [...parts, '\n', '\u2028', ' ', 'i', 'd', '\u0130', '\u017fecret'];
    assert.deepEqual(
      disagreements(sample(more, 100_000), randomForSecret, (s) => re.test(s)),
      [],
    );
  });

  it('the empty-catch rule: `catch\\s*(\\([^)]*\\))?\\s*\\{\\s*\\}`', () => {
    const re = /catch\s*(\([^)]*\))?\s*\{\s*\}/;
    const parts = ['catch', ' ', '(', ')', '{', '}', '\n', 'x', 'Catch', 'cat', 'ch', '\t'];
    assert.deepEqual(
      disagreements(sample(parts, 100_000), emptyCatch, (s) => re.test(s)),
      [],
    );
  });

  it("a fleet member's verdict: `^\\s*VERDICT:\\s*([A-Za-z_ -]+?)\\s*$` (im), capture for capture", () => {
    const re = /^\s*VERDICT:\s*([A-Za-z_ -]+?)\s*$/im;
    const parts = ['VERDICT:', 'verdict:', 'Verdict:', ' ', '  ', '\t', '\n', '\r', '\r\n', 'A', 'b', 'x y', '-'];
    const more = [...parts, '_', ':', '#', '\u2028', '\u00a0', '\u00e9', 'VERDICT', 'x'];
    assert.deepEqual(
      disagreements(sample(more, 200_000), explicitVerdict, (s) => re.exec(s)?.[1]),
      [],
    );
  });

  it('/approve and /reject: `^\\/(approve|reject)(?:\\s+(.*))?$` (i), captures included', () => {
    const re = /^\/(approve|reject)(?:\s+(.*))?$/i;
    const parts = ['/approve', '/REJECT', '/reject', ' ', '\t', '\n', '\r', 'x', 'y z', '\u2028', '\u00a0', '/'];
    const pattern = (s: string) => {
      const m = re.exec(s);
      return m ? ([m[0], m[1]!, m[2]] as [string, string, string | undefined]) : null;
    };
    assert.deepEqual(disagreements(sample(parts, 100_000, 7), approvalCommand, pattern), []);
  });
});

describe('100 KB of attacker text at every pattern that reads it', () => {
  it(`${ADVERSARIAL.length} adversarial inputs, each answered correctly`, async () => {
    const answers = new Map<string, unknown>();
    const worker = new Worker(new URL('../harness/adversarial-thread.mjs', import.meta.url));
    try {
      await new Promise<void>((resolve, reject) => {
        worker.on('message', (m: { done?: true; name: string; answer: unknown }) => {
          if (m.done) resolve();
          else answers.set(m.name, m.answer);
        });
        worker.on('error', reject);
      });
    } finally {
      await worker.terminate();
    }
    assert.deepEqual(
      ADVERSARIAL.map((c) => [c.name, answers.get(c.name)]),
      ADVERSARIAL.map((c) => [c.name, c.expected]),
    );
  });
});
