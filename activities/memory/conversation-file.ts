// Conversations kept in one JSON file: for each agent and issue or pull request, its last exchanges
// (what was asked, what the agent answered). Writes go to a temporary file renamed over the old one, so a
// crash leaves the old or the new file, never half of one; a lock file serializes writers across
// processes on the same host. Bounded: `capacity` conversations, EXCHANGES_KEPT exchanges each, text cut.
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { MemorySpec } from '../../src/agents/memory-spec.js';

export interface Exchange {
  /** The run that produced it: remembering is idempotent per run. */
  run: string;
  at: string;
  asked: string;
  answer: string;
}

interface Conversation {
  used: string;
  exchanges: Exchange[];
}

interface FileShape {
  version: 1;
  conversations: Record<string, Conversation>;
}

export const EXCHANGES_KEPT = 10;
export const TEXT_KEPT = 2000;

const cut = (s: string) => (s.length > TEXT_KEPT ? `${s.slice(0, TEXT_KEPT)} [cut]` : s);

async function readStore(path: string): Promise<FileShape> {
  const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (text === undefined) return { version: 1, conversations: {} };
  const parsed = JSON.parse(text) as FileShape;
  if (parsed?.version !== 1 || typeof parsed.conversations !== 'object')
    throw new Error(`${path} is not an agent memory file (expected {"version": 1, "conversations": {...}})`);
  return parsed;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writers in this process, one after another per file (the lock file orders processes). */
const queues = new Map<string, Promise<unknown>>();

function serialized<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const next = (queues.get(path) ?? Promise.resolve()).catch(() => undefined).then(fn);
  queues.set(path, next);
  void next.finally(() => queues.get(path) === next && queues.delete(path)).catch(() => undefined);
  return next;
}

/** Runs `fn` holding `<path>.lock`; a lock older than `staleMs` was left by a dead process. */
async function withLock<T>(path: string, fn: () => Promise<T>, staleMs = 30_000): Promise<T> {
  const lock = `${path}.lock`;
  await mkdir(dirname(path), { recursive: true });
  for (let i = 0; ; i++) {
    try {
      const h = await open(lock, 'wx');
      await h.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > staleMs) await rm(lock, { force: true });
      else await sleep(Math.min(200, 5 * 2 ** Math.min(i, 6)));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}

export async function recall(spec: MemorySpec, key: string): Promise<Exchange[]> {
  const store = await readStore(spec.path);
  return store.conversations[key]?.exchanges ?? [];
}

export async function remember(spec: MemorySpec, key: string, exchange: Exchange): Promise<void> {
  await serialized(spec.path, () =>
    withLock(spec.path, async () => {
      const store = await readStore(spec.path);
      const prior = store.conversations[key]?.exchanges ?? [];
      // A retried activity or a replayed run remembers once.
      if (prior.some((x) => x.run === exchange.run)) return;
      const kept = { ...exchange, asked: cut(exchange.asked), answer: cut(exchange.answer) };
      delete store.conversations[key];
      store.conversations[key] = { used: exchange.at, exchanges: [...prior, kept].slice(-EXCHANGES_KEPT) };
      const keys = Object.keys(store.conversations);
      // Insertion order is use order: the first keys are the least recently used.
      for (const k of keys.slice(0, Math.max(0, keys.length - spec.capacity))) delete store.conversations[k];
      const tmp = `${spec.path}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(store));
      await rename(tmp, spec.path);
    }),
  );
}
