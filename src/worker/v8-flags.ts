// V8 flags a worker process sets on itself, before its workflow thread starts (flags on the command line
// or in NODE_OPTIONS would need whoever starts it to know them; NODE_OPTIONS refuses most V8 flags).
// --optimize-for-size: V8 grows its heaps for throughput by default, and a burst of work (500 pull requests
// opened at once) grew the main and workflow threads' heaps to about 270 MB for some 90 MB of live objects;
// with it the heaps stay near what is live: that worker peaked at 233-252 MB instead of 402-441 MB, in the
// same time (bench:memory).
import { setFlagsFromString } from 'node:v8';

export const DEFAULT_WORKER_V8_FLAGS = '--optimize-for-size';

/** The flags in AOF_WORKER_V8_FLAGS (default `--optimize-for-size`; empty for none), each `--name[=value]`. */
export function workerV8Flags(env: NodeJS.ProcessEnv = process.env): string[] {
  const flags = (env.AOF_WORKER_V8_FLAGS ?? DEFAULT_WORKER_V8_FLAGS).split(/\s+/).filter(Boolean);
  const bad = flags.find((f) => !/^--[a-z0-9][a-z0-9_-]*(=\S+)?$/i.test(f));
  if (bad) throw new Error(`AOF_WORKER_V8_FLAGS: "${bad}" is not a V8 flag (--name or --name=value)`);
  return flags;
}

/** Sets the flags on this process's V8; returns them (the worker logs them). */
export function applyWorkerV8Flags(env: NodeJS.ProcessEnv = process.env): string[] {
  const flags = workerV8Flags(env);
  for (const f of flags) setFlagsFromString(f);
  return flags;
}
