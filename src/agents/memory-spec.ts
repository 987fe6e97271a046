// An agent's `memory`, as the AOF reference writes it: `File:<path>[:<conversations kept>]`. The path is
// relative to the daemon config's folder; the store keeps the most recently used conversations.
import { isAbsolute, resolve } from 'node:path';

export interface MemorySpec {
  backend: 'file';
  path: string;
  /** Conversations (one per agent and issue or pull request) kept; the least recently used go first. */
  capacity: number;
}

export const DEFAULT_MEMORY_CAPACITY = 1000;

const FORM = /^file:(.+?)(?::(\d+))?$/i;

/** The parsed spec, or a message saying what is wrong with it. */
export function parseMemorySpec(text: string, baseDir: string): MemorySpec | string {
  const m = FORM.exec(text.trim());
  if (!m)
    return `unsupported memory "${text}": only File:<path>[:<conversations kept>] is supported, e.g. File:./github-cache.json:1000`;
  const capacity = m[2] === undefined ? DEFAULT_MEMORY_CAPACITY : Number(m[2]);
  if (!Number.isSafeInteger(capacity) || capacity < 1) return `memory "${text}": conversations kept must be at least 1`;
  const path = m[1]!;
  return { backend: 'file', path: isAbsolute(path) ? path : resolve(baseDir, path), capacity };
}
