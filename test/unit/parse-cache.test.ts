// The analysis's parse cache: a push that changes one file of a pull request parses that file again, not
// all of them; a file that was not parsed (over its time limit) is tried again; the cache stays within
// its bytes.
import assert from 'node:assert/strict';
import { extractInPool, ParseCache, type FileToParse } from '../../activities/code/extract.js';
import { untrustedPool, type UntrustedPool } from '../../activities/untrusted/pool.js';
import { addedFile } from '../harness/synthetic-pr.js';

const toParse = (f: ReturnType<typeof addedFile>): FileToParse => ({
  path: f.filename,
  patch: f.patch,
  content: f.content,
});
const source = (name: string, n: number) =>
  Array.from({ length: n }, (_, i) => `function ${name}${i}(a) {\n  return a + ${i};\n}\n`).join('');

/** The real pool, counting the files each job was given. */
function countingPool(): { pool: UntrustedPool; files: string[] } {
  const real = untrustedPool();
  const files: string[] = [];
  const pool = Object.create(real) as UntrustedPool;
  pool.run = ((job: string, input: { file?: FileToParse; files?: FileToParse[] }, ...rest: unknown[]) => {
    files.push(...(input.files ?? [input.file!]).map((f) => f.path));
    return (real.run as (...a: unknown[]) => Promise<unknown>).call(real, job, input, ...rest);
  }) as UntrustedPool['run'];
  return { pool, files };
}

describe('the parse cache', function () {
  this.timeout(60_000);
  const rules = { reviewers: ['security' as const, 'performance' as const], maxFunctionBytes: 8192 };

  it('parses again only the file a push changed, with the same result as parsing all of them', async () => {
    const cache = new ParseCache(1024 * 1024);
    const first = ['a', 'b', 'c'].map((n) => toParse(addedFile(`src/${n}.ts`, source(n, 5))));
    const { pool, files } = countingPool();
    const r1 = await extractInPool(first, {}, pool, rules, cache);
    assert.deepEqual(files.sort(), ['src/a.ts', 'src/b.ts', 'src/c.ts']);
    assert.equal(r1.functions.length, 15);

    // The push changes b.ts: only b.ts goes to the pool, and the answer is the uncached one.
    const pushed = [first[0]!, toParse(addedFile('src/b.ts', source('b', 5).replace('a + 3', 'a * 3'))), first[2]!];
    files.length = 0;
    const r2 = await extractInPool(pushed, {}, pool, rules, cache);
    assert.deepEqual(files, ['src/b.ts']);
    assert.deepEqual(r2, await extractInPool(pushed, {}, untrustedPool(), rules));
    assert.ok(r2.functions.some((f) => f.code.includes('a * 3')));

    // Other rules are another result: parsed again.
    files.length = 0;
    await extractInPool(pushed, {}, pool, { ...rules, reviewers: ['security'] }, cache);
    assert.equal(files.length, 3);
  });

  it('does not keep a file that was not parsed: it is parsed when next read within its limit', async () => {
    const cache = new ParseCache(64 * 1024 * 1024);
    const many = toParse(
      addedFile('src/many.ts', Array.from({ length: 12_000 }, (_, i) => `function f${i}(){}`).join('\n')),
    );
    const slow = await extractInPool([many], { fileMs: 1 }, untrustedPool(), undefined, cache);
    assert.match(slow.skipped[0]!.reason, /^not parsed: /);
    assert.equal(cache.size, 0);
    const ok = await extractInPool([many], { fileMs: 10_000 }, untrustedPool(), undefined, cache);
    assert.equal(ok.functions.length, 12_000);
    assert.equal(cache.size, 1);
  });

  it('keeps within its bytes, dropping the least recently used first', () => {
    const result = (n: number) => ({ functions: [], skipped: [{ path: `p${n}`, reason: 'x'.repeat(400) }] });
    const cache = new ParseCache(1500);
    cache.set('k1', result(1));
    cache.set('k2', result(2));
    cache.set('k3', result(3));
    assert.equal(cache.size, 3);
    assert.ok(cache.get('k1')); // now the most recently used
    cache.set('k4', result(4));
    assert.equal(cache.size, 3);
    assert.equal(cache.get('k2'), undefined, 'the least recently used went');
    assert.ok(cache.get('k1') && cache.get('k3') && cache.get('k4'));
    cache.set('huge', { functions: [], skipped: [{ path: 'p', reason: 'x'.repeat(5000) }] });
    assert.equal(cache.get('huge'), undefined, 'a result larger than the whole cache is not kept');
    assert.equal(cache.size, 3);
  });
});
