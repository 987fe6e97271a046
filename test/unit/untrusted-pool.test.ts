// The untrusted-text pool: a file over its time limit is skipped with the reason (its process killed),
// and the pool carries on with the next file in a new process.
import assert from 'node:assert/strict';
import { extractInPool } from '../../activities/code/extract.js';
import { addedFile } from '../harness/synthetic-pr.js';

const toParse = (f: ReturnType<typeof addedFile>) => ({ path: f.filename, patch: f.patch, content: f.content });

describe('the untrusted-text pool', function () {
  this.timeout(60_000);

  it('skips a file over its time limit with the reason, then parses the next one', async () => {
    const flat = Array.from({ length: 20_000 }, (_, i) => `function f${i}() { return ${i}; }`).join(' ');
    const slow = await extractInPool([toParse(addedFile('src/flat.ts', flat))], { fileMs: 1 });
    assert.deepEqual(slow.functions, []);
    assert.equal(slow.skipped.length, 1);
    assert.match(slow.skipped[0]!.reason, /^not parsed: (it took over 0\.001 s|parsing took over 0\.001 s)$/);

    const ok = await extractInPool([toParse(addedFile('src/ok.ts', 'function ok() {\n  return 1;\n}\n'))]);
    assert.deepEqual(
      ok.functions.map((f) => f.name),
      ['ok'],
    );
    assert.deepEqual(ok.skipped, []);
  });

  it("parses a pull request's files in one job; a job over its limit is done again one file per job", async () => {
    // About 240 KB: one batch with the small file, and slower to parse than the limit below.
    const many = Array.from({ length: 12_000 }, (_, i) => `function f${i}(){}`).join('\n');
    const files = [
      toParse(addedFile('src/many.ts', many)),
      toParse(addedFile('src/ok.ts', 'function ok() {\n  return 1;\n}\n')),
    ];
    const r = await extractInPool(files, { fileMs: 100 });
    assert.deepEqual(
      r.functions.map((f) => f.name),
      ['ok'],
      'the small file is parsed in a job of its own',
    );
    assert.deepEqual(r.skipped, [{ path: 'src/many.ts', reason: 'not parsed: it took over 0.1 s' }]);
    // Within its limit, the same batch is one job answering both files in order.
    const all = await extractInPool(files, { fileMs: 10_000 });
    assert.equal(all.functions.length, 12_001);
    assert.equal(all.functions.at(-1)!.name, 'ok');
  });

  it('reports a file nested too deep, and one too large to parse, without parsing them here', async () => {
    const deep = 'function f(){'.repeat(100) + '}'.repeat(100);
    const r = await extractInPool(
      [toParse(addedFile('src/deep.js', deep)), toParse(addedFile('src/big.js', 'x'.repeat(2 * 1024 * 1024)))],
      {},
    );
    assert.deepEqual(r.skipped, [
      { path: 'src/deep.js', reason: 'not parsed: functions and classes nested more than 64 levels deep' },
      { path: 'src/big.js', reason: 'too large to parse (over 1048576 bytes)' },
    ]);
  });
});
