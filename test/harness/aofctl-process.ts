// `aofctl <command>` as a separate process, so a test or benchmark can kill it like a crash would.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { PROCESS_ENV } from '../../src/worker/process-env.js';

const bin = resolve(import.meta.dirname, '../../bin/aofctl.js');

/** Children still running: killed when this process exits, however it exits (a benchmark's Ctrl-C too). */
const running = new Set<ChildProcess>();
export const killChildren = () => running.forEach((c) => c.kill('SIGKILL'));
process.on('exit', killChildren);

export interface AofctlProcess {
  child: ChildProcess;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `aofctl <command> --config <config> [args]` and resolves once its output shows `ready`. */
export async function startAofctl(
  command: string,
  config: string,
  env: Record<string, string>,
  ready: string,
  args: string[] = [],
): Promise<AofctlProcess> {
  const child = spawn(process.execPath, [bin, command, '--config', config, ...args], {
    env: { ...PROCESS_ENV, ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.on('exit', () => running.delete(child));
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  await new Promise<void>((resolveStarted, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not start in 60 s:\n${out}`)), 60_000);
    // Removed once started: searching the whole output on every chunk flattens and rescans megabytes of
    // log in a benchmark, CPU the benchmark then took from the processes it measures.
    const started = () => {
      if (!out.includes(ready)) return;
      clearTimeout(timer);
      child.stdout!.off('data', started);
      resolveStarted();
    };
    child.stdout!.on('data', started);
    child.on('exit', (code) => reject(new Error(`${command} exited with ${code}:\n${out}`)));
  });
  return {
    child,
    output: () => out,
    kill: (signal = 'SIGKILL') =>
      new Promise<void>((r) => {
        if (child.exitCode !== null || child.signalCode !== null) return r();
        child.once('exit', () => r());
        child.kill(signal);
      }),
  };
}
