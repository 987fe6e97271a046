// The configuration a running process uses. With `watch: true` it reloads when a resource file is
// edited, added or deleted; an invalid edit keeps the last good configuration and reports the errors.
// Workflows already started keep the resources they were given: those were resolved into their input.
import { watch, type FSWatcher } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadConfig, type Resources } from './load.js';
import { ConfigError } from './problems.js';

export interface ConfigStore {
  current(): Resources;
  /** Resolves after the next reload attempt (for tests and tooling). */
  nextReload(): Promise<{ ok: boolean; error?: ConfigError }>;
  close(): void;
}

export interface WatchEvents {
  onReload?: (r: Resources) => void;
  onInvalid?: (e: ConfigError) => void;
  /** Applied to every freshly loaded configuration before it is used. */
  prepare?: (r: Resources) => void;
}

function watchedDirs(r: Resources): string[] {
  const base = dirname(r.daemonFile);
  const s = r.daemon.spec;
  return [
    ...new Set(
      [s.triggers, s.agents, s.fleets, s.flows, s.gates]
        .filter((d) => d?.enabled)
        .map((d) => resolve(base, d!.directory)),
    ),
  ];
}

export function configStore(daemonPath: string, events: WatchEvents = {}, debounceMs = 150): ConfigStore {
  const load = () => {
    const r = loadConfig(daemonPath);
    events.prepare?.(r);
    return r;
  };
  let resources = load();
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let waiting: ((r: { ok: boolean; error?: ConfigError }) => void)[] = [];

  const reload = () => {
    let outcome: { ok: boolean; error?: ConfigError };
    try {
      resources = load();
      rewatch();
      outcome = { ok: true };
      events.onReload?.(resources);
    } catch (err) {
      // Any failure keeps the last good configuration: a running ingress must outlive a bad edit.
      const error =
        err instanceof ConfigError
          ? err
          : new ConfigError([
              {
                file: resources.daemonFile,
                line: 1,
                column: 1,
                path: '',
                message: `reload failed: ${(err as Error).message}`,
              },
            ]);
      outcome = { ok: false, error };
      events.onInvalid?.(error);
    }
    const w = waiting;
    waiting = [];
    w.forEach((f) => f(outcome));
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(reload, debounceMs);
  };
  const rewatch = () => {
    watchers.splice(0).forEach((w) => w.close());
    const enabled = resources.daemon.spec.triggers?.watch;
    if (!enabled) return;
    for (const dir of [dirname(resources.daemonFile), ...watchedDirs(resources)]) {
      try {
        watchers.push(watch(dir, schedule));
      } catch {
        /* a directory that does not exist yet holds no resources */
      }
    }
  };
  rewatch();

  return {
    current: () => resources,
    nextReload: () => new Promise((r) => waiting.push(r)),
    close() {
      clearTimeout(timer);
      watchers.splice(0).forEach((w) => w.close());
    },
  };
}
