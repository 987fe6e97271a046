// `aofctl worker` as a separate process, so a test can kill it like a crash would.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const bin = resolve(import.meta.dirname, '../../bin/aofctl.js');

export interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts a worker and resolves once it polls its task queues. */
export async function startWorkerProcess(config: string, env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [bin, 'worker', '--config', config], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  await new Promise<void>((resolveStarted, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start in 60 s:\n${out}`)), 60_000);
    const check = () => {
      if (out.includes('"worker started"')) {
        clearTimeout(timer);
        resolveStarted();
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => reject(new Error(`worker exited with ${code}:\n${out}`)));
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
