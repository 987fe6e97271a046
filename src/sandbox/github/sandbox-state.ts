// Keeps the dev sandbox's state (comments, check runs, reviews, labels, deploys, PRs) in a JSON file, so
// `aofctl dev` restarted on the same .aof/ shows what happened before, as the Temporal state does.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { GitHubSandbox, SandboxSnapshot } from './server.js';

export interface PersistedSandbox {
  /** Writes the current state now (also done every interval when something changed). */
  save(): void;
  stop(): void;
}

export function persistSandbox(sandbox: GitHubSandbox, file: string, intervalMs = 500): PersistedSandbox {
  if (existsSync(file)) sandbox.restore(JSON.parse(readFileSync(file, 'utf8')) as Partial<SandboxSnapshot>);
  let written = '';
  const save = () => {
    const text = JSON.stringify(sandbox.snapshot());
    if (text === written) return;
    // Write then rename: a crash mid-write never leaves a truncated file behind.
    writeFileSync(`${file}.tmp`, text);
    renameSync(`${file}.tmp`, file);
    written = text;
  };
  const timer = setInterval(save, intervalMs);
  timer.unref();
  return {
    save,
    stop() {
      clearInterval(timer);
      save();
    },
  };
}
