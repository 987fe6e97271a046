// The file behind an agent's `memory`: bounded, idempotent per run, safe for concurrent writers.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXCHANGES_KEPT, recall, remember, TEXT_KEPT } from '../../activities/memory/conversation-file.js';
import { DEFAULT_MEMORY_CAPACITY, parseMemorySpec, type MemorySpec } from '../../src/agents/memory-spec.js';

describe('agent memory file', () => {
  let dir: string;
  let spec: MemorySpec;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aof-memory-unit-'));
    spec = { backend: 'file', path: join(dir, 'sub', 'm.json'), capacity: 2 };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const ex = (run: string, answer = `answer of ${run}`) => ({ run, at: '2026-11-24T00:00:00Z', asked: 'q', answer });

  it('parses the reference form, resolving a relative path from the config folder', () => {
    assert.deepEqual(parseMemorySpec('File:./github-cache.json:1000', '/etc/aof'), {
      backend: 'file',
      path: '/etc/aof/github-cache.json',
      capacity: 1000,
    });
    assert.equal((parseMemorySpec('file:/var/m.json', '/x') as MemorySpec).capacity, DEFAULT_MEMORY_CAPACITY);
    assert.match(parseMemorySpec('Redis:localhost', '/x') as string, /only File:<path>/);
    assert.match(parseMemorySpec('File:./m.json:0', '/x') as string, /at least 1/);
  });

  it('remembers once per run, keeps the last exchanges and cuts long text', async () => {
    await remember(spec, 'k', ex('r1'));
    await remember(spec, 'k', ex('r1', 'a retry of the same run'));
    assert.deepEqual(
      (await recall(spec, 'k')).map((x) => x.answer),
      ['answer of r1'],
    );
    for (let i = 2; i <= EXCHANGES_KEPT + 3; i++) await remember(spec, 'k', ex(`r${i}`));
    const kept = await recall(spec, 'k');
    assert.equal(kept.length, EXCHANGES_KEPT);
    assert.equal(kept[0]!.run, 'r4');
    await remember(spec, 'k', ex('long', 'x'.repeat(TEXT_KEPT * 3)));
    assert.equal((await recall(spec, 'k')).at(-1)!.answer.length, TEXT_KEPT + ' [cut]'.length);
  });

  it('keeps `capacity` conversations, dropping the least recently used', async () => {
    await remember(spec, 'a', ex('1'));
    await remember(spec, 'b', ex('2'));
    await remember(spec, 'a', ex('3')); // a is now the most recent
    await remember(spec, 'c', ex('4'));
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(spec.path, 'utf8')).conversations), ['a', 'c']);
    assert.deepEqual(await recall(spec, 'b'), []);
  });

  it('loses no exchange to concurrent writers', async () => {
    spec.capacity = 100;
    await Promise.all(Array.from({ length: 20 }, (_, i) => remember(spec, `k${i % 4}`, ex(`r${i}`))));
    const all = Object.values(JSON.parse(readFileSync(spec.path, 'utf8')).conversations) as { exchanges: [] }[];
    assert.equal(
      all.reduce((s, c) => s + c.exchanges.length, 0),
      20,
    );
  });

  it('refuses a file that is not a memory file rather than overwriting it', async () => {
    writeFileSync(join(dir, 'other.json'), '{"hello": 1}');
    await assert.rejects(
      remember({ ...spec, path: join(dir, 'other.json') }, 'k', ex('r')),
      /is not an agent memory file/,
    );
  });
});
