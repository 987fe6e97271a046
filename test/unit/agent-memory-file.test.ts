// The file behind an agent's `memory`: bounded, idempotent per run, safe for concurrent writers; a write
// appends a line, and a damaged line or torn last write is skipped and reported, the rest read.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EXCHANGES_KEPT,
  readMemoryFile,
  recall,
  remember,
  TEXT_KEPT,
} from '../../activities/memory/conversation-file.js';
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
    assert.deepEqual(Object.keys(await readMemoryFile(spec)), ['a', 'c']);
    assert.deepEqual(await recall(spec, 'b'), []);
  });

  it('loses no exchange to concurrent writers', async () => {
    spec.capacity = 100;
    await Promise.all(Array.from({ length: 20 }, (_, i) => remember(spec, `k${i % 4}`, ex(`r${i}`))));
    const all = Object.values(await readMemoryFile(spec));
    assert.equal(
      all.reduce((s, c) => s + c.length, 0),
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

  it("a write appends one line and leaves the file's earlier bytes as they were; a file of the previous version is read on", async () => {
    spec.capacity = 100;
    const legacy = { version: 1, conversations: { old: { used: 'x', exchanges: [ex('r0')] } } };
    writeFileSync(spec.path.replace('sub/m.json', 'm-old.json'), JSON.stringify(legacy));
    const old = { ...spec, path: join(dir, 'm-old.json') };
    let before = readFileSync(old.path, 'utf8');
    for (const [s, file] of [
      [old, 'previous version'],
      [spec, 'new'],
    ] as const) {
      for (let i = 1; i <= 5; i++) {
        await remember(s, `k${i % 2}`, ex(`r${i}`));
        const after = readFileSync(s.path, 'utf8');
        assert.ok(after.startsWith(before), `${file} file: write ${i} rewrote earlier bytes`);
        const added = after.slice(before.length).trim().split('\n');
        assert.deepEqual(
          added.filter((l) => !l.startsWith('{"aof_memory"')).map((l) => JSON.parse(l).run),
          [`r${i}`],
          `${file} file: one line added`,
        );
        before = after;
      }
      before = '';
    }
    assert.deepEqual(
      (await recall(old, 'old')).map((x) => x.run),
      ['r0'],
    );
    assert.deepEqual(
      (await recall(old, 'k1')).map((x) => x.run),
      ['r1', 'r3', 'r5'],
    );
  });

  it('skips a damaged line and a torn last write, reports them, and reads the rest', async () => {
    spec.capacity = 100;
    const warned: Record<string, unknown>[] = [];
    const warn = (_: string, attrs: Record<string, unknown>) => void warned.push(attrs);
    await remember(spec, 'k', ex('r1'));
    appendFileSync(spec.path, '{"key": "k", "run": "r2", "asked\u0000 garbage\n');
    await remember(spec, 'k', ex('r3'));
    await remember(spec, 'other', ex('r4'));
    // A crash in the middle of the last write.
    appendFileSync(spec.path, JSON.stringify({ key: 'k', ...ex('r5') }).slice(0, 30));

    assert.deepEqual(
      (await recall(spec, 'k', { warn })).map((x) => x.run),
      ['r1', 'r3'],
    );
    assert.deepEqual(warned, [{ path: spec.path, lines: [3], skipped: 1, tornLastLine: true }]);
    // The next write starts a line of its own and is read.
    await remember(spec, 'k', ex('r6'), { warn });
    assert.deepEqual(
      (await recall(spec, 'k', { warn })).map((x) => x.run),
      ['r1', 'r3', 'r6'],
    );
    assert.deepEqual(
      (await recall(spec, 'other', { warn })).map((x) => x.run),
      ['r4'],
    );
  });

  it('compacts the file once it doubles, keeping what a read keeps', async () => {
    const opts = { compactMinBytes: 2_000, warn: () => {} };
    spec.capacity = 3;
    const sizes: number[] = [];
    for (let i = 0; i < 200; i++) {
      // First conversations that are dropped later, then three that stay.
      await remember(spec, i < 20 ? `gone${i % 5}` : `k${i % 3}`, ex(`r${i}`, 'x'.repeat(50)), opts);
      sizes.push(readFileSync(spec.path).length);
    }
    const kept = await readMemoryFile(spec);
    assert.deepEqual(Object.keys(kept), ['k2', 'k0', 'k1']);
    assert.deepEqual(
      kept.k0!.map((x) => x.run),
      Array.from({ length: 10 }, (_, i) => `r${171 + 3 * i}`),
    );
    assert.ok(
      Object.values(kept).every((c) => c.length === EXCHANGES_KEPT),
      'each conversation keeps its last exchanges',
    );
    // Bounded: never much more than twice what is kept (30 exchanges of ~120 bytes).
    assert.ok(Math.max(...sizes) < 2 * 30 * 200, `the file grew to ${Math.max(...sizes)} bytes`);
    assert.match(readFileSync(spec.path, 'utf8'), /^\{"aof_memory":2,"compacted_bytes":\d+\}\n/);
  });
});
