// Conversations kept in one file: for each agent and issue or pull request, its last exchanges (what was
// asked, what the agent answered). Bounded: `capacity` conversations, EXCHANGES_KEPT exchanges each, text cut.
//
// The file is a log of JSON lines, one exchange each, appended: a write adds one line and never rewrites
// the others. Reading replays the lines in order (dropping the least recently used conversations beyond
// `capacity` and the exchanges beyond EXCHANGES_KEPT, each run's exchange once). A line that is not a
// record (a torn last write after a crash, a damaged line) is skipped and reported; the rest is read.
// Once the file has grown to twice its size after the last compaction, it is compacted: rewritten with
// what a read keeps, to a temporary file renamed over it. A lock file serializes writers across processes
// on one host. A file written by the previous version (one JSON object with every conversation) is read
// as its first line, and compacted into this form by a later write.
import { Context } from '@temporalio/activity';
import { appendFile, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { MemorySpec } from '../../src/agents/memory-spec.js';

export interface Exchange {
  /** The run that produced it: remembering is idempotent per run. */
  run: string;
  at: string;
  asked: string;
  answer: string;
}

/** One line of the file: an exchange of the conversation `key`. */
interface MemoryRecord extends Exchange {
  key: string;
}

/** The first line of a file this version wrote: how big the file was after its last compaction. */
interface Header {
  aof_memory: 2;
  compacted_bytes: number;
}

/** The previous version's whole file, on one line. */
interface LegacyFile {
  version: 1;
  conversations: Record<string, { exchanges: Exchange[] }>;
}

export const EXCHANGES_KEPT = 10;
export const TEXT_KEPT = 2000;
/** A file smaller than this is never compacted. */
export const COMPACT_MIN_BYTES = 256 * 1024;

export interface MemoryFileOptions {
  /** Where skipped lines are reported; the activity's logger by default. */
  warn?: (message: string, attrs: Record<string, unknown>) => void;
  /** Compact once the file is over this many bytes and twice its compacted size (COMPACT_MIN_BYTES). */
  compactMinBytes?: number;
}

const cut = (s: string) => (s.length > TEXT_KEPT ? `${s.slice(0, TEXT_KEPT)} [cut]` : s);

function activityWarn(message: string, attrs: Record<string, unknown>): void {
  try {
    Context.current().log.warn(message, attrs);
  } catch {
    process.emitWarning(`${message} ${JSON.stringify(attrs)}`);
  }
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isExchange = (v: any): v is Exchange =>
  !!v && isString(v.run) && isString(v.at) && isString(v.asked) && isString(v.answer);
const isRecord = (v: any): v is MemoryRecord => isExchange(v) && isString((v as MemoryRecord).key);
const isHeader = (v: any): v is Header => v?.aof_memory === 2 && Number.isFinite(v.compacted_bytes);
const isLegacy = (v: any): v is LegacyFile =>
  v?.version === 1 && !!v.conversations && typeof v.conversations === 'object';

/** What a read keeps: conversations in use order (least recent first), each its last exchanges. */
type Conversations = Map<string, Exchange[]>;

function apply(state: Conversations, capacity: number, key: string, exchange: Exchange): void {
  const prior = state.get(key) ?? [];
  // A retried activity or a replayed run remembers once.
  if (prior.some((x) => x.run === exchange.run)) return;
  state.delete(key);
  state.set(key, [...prior, exchange].slice(-EXCHANGES_KEPT));
  for (const k of state.keys()) {
    if (state.size <= capacity) break;
    state.delete(k);
  }
}

interface Parsed {
  conversations: Conversations;
  /** From the header; 0 without one. */
  compactedBytes: number;
  /** Lines that were read as something of ours (header, record or the previous version's file). */
  valid: number;
}

function parse(text: string, spec: MemorySpec, warn: MemoryFileOptions['warn'] = activityWarn): Parsed {
  const conversations: Conversations = new Map();
  let compactedBytes = 0;
  let valid = 0;
  const skipped: number[] = [];
  let torn = false;
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      v = undefined;
    }
    if (isRecord(v)) {
      const { key, run, at, asked, answer } = v;
      apply(conversations, spec.capacity, key, { run, at, asked, answer });
    } else if (isHeader(v)) {
      compactedBytes = v.compacted_bytes;
    } else if (isLegacy(v)) {
      for (const [key, c] of Object.entries(v.conversations))
        for (const x of Array.isArray(c?.exchanges) ? c.exchanges : [])
          if (isExchange(x)) apply(conversations, spec.capacity, key, x);
    } else {
      // The last line without its newline: a write that did not finish.
      if (i === lines.length - 1) torn = true;
      else skipped.push(i + 1);
      return;
    }
    valid++;
  });
  if (valid > 0 && (skipped.length > 0 || torn))
    warn('agent memory: unreadable lines skipped, the rest was read', {
      path: spec.path,
      lines: skipped.slice(0, 20),
      skipped: skipped.length,
      tornLastLine: torn,
    });
  return { conversations, compactedBytes, valid };
}

async function readText(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
}

const line = (v: unknown) => `${JSON.stringify(v)}\n`;
const header = (compactedBytes: number): Header => ({ aof_memory: 2, compacted_bytes: compactedBytes });
/** The start of a file this version or the previous one wrote (JSON.stringify's key order). */
const OURS = /^\{"(aof_memory":2|version":1,"conversations"|key")/;

const notMemory = (path: string) =>
  new Error(`${path} is not an agent memory file (expected JSON lines written by aof-temporal)`);

/** The file's conversations as a read sees them (`{}` when there is no file). */
export async function readMemoryFile(
  spec: MemorySpec,
  opts: MemoryFileOptions = {},
): Promise<Record<string, Exchange[]>> {
  const text = await readText(spec.path);
  if (!text) return {};
  const parsed = parse(text, spec, opts.warn);
  if (parsed.valid === 0 && !OURS.test(text.slice(0, 128))) throw notMemory(spec.path);
  return Object.fromEntries(parsed.conversations);
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

/** The file's size, its first bytes and whether it ends with a newline; undefined when there is none. */
async function headOf(path: string): Promise<{ size: number; first: string; endsWithNewline: boolean } | undefined> {
  const h = await open(path, 'r').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (!h) return undefined;
  try {
    const { size } = await h.stat();
    const first = Buffer.alloc(Math.min(size, 128));
    await h.read(first, 0, first.length, 0);
    const last = Buffer.alloc(1);
    if (size > 0) await h.read(last, 0, 1, size - 1);
    return { size, first: first.toString('utf8'), endsWithNewline: size === 0 || last[0] === 0x0a };
  } finally {
    await h.close();
  }
}

/** Rewrites the file with what a read keeps (under the lock). */
async function compact(spec: MemorySpec, opts: MemoryFileOptions): Promise<void> {
  const parsed = parse((await readText(spec.path)) ?? '', spec, opts.warn);
  let body = '';
  for (const [key, exchanges] of parsed.conversations) for (const x of exchanges) body += line({ key, ...x });
  // The header's own size barely matters to the next trigger (twice this size).
  const bytes = Buffer.byteLength(body);
  const tmp = `${spec.path}.${process.pid}.tmp`;
  await writeFile(tmp, line(header(bytes)) + body);
  await rename(tmp, spec.path);
}

export async function recall(spec: MemorySpec, key: string, opts: MemoryFileOptions = {}): Promise<Exchange[]> {
  return (await readMemoryFile(spec, opts))[key] ?? [];
}

export async function remember(
  spec: MemorySpec,
  key: string,
  exchange: Exchange,
  opts: MemoryFileOptions = {},
): Promise<void> {
  const record: MemoryRecord = {
    key,
    run: exchange.run,
    at: exchange.at,
    asked: cut(exchange.asked),
    answer: cut(exchange.answer),
  };
  await serialized(spec.path, () =>
    withLock(spec.path, async () => {
      const head = await headOf(spec.path);
      if (!head || head.size === 0) {
        await appendFile(spec.path, line(header(0)) + line(record));
        return;
      }
      // Never append to (or compact) a file that is not ours; a damaged first line alone does not count.
      if (!OURS.test(head.first) && parse((await readText(spec.path)) ?? '', spec, () => {}).valid === 0)
        throw notMemory(spec.path);
      // After a torn last write, start a line of our own.
      const added = (head.endsWithNewline ? '' : '\n') + line(record);
      await appendFile(spec.path, added);
      const size = head.size + Buffer.byteLength(added);
      const compacted = /^\{"aof_memory":2,"compacted_bytes":(\d+)\}/.exec(head.first);
      const base = compacted ? Number(compacted[1]) : 0;
      if (size > Math.max(opts.compactMinBytes ?? COMPACT_MIN_BYTES, 2 * base)) await compact(spec, opts);
    }),
  );
}
