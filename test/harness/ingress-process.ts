// `aofctl serve` as a separate process on a given port, so a benchmark can kill it like a crash would.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const bin = resolve(import.meta.dirname, '../../bin/aofctl.js');

export interface IngressProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts an ingress on `port` and resolves once it listens. */
export async function startIngressProcess(
  config: string,
  port: number,
  env: Record<string, string>,
): Promise<IngressProcess> {
  const child = spawn(process.execPath, [bin, 'serve', '--config', config], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env, AOF_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  await new Promise<void>((resolveStarted, reject) => {
    const timer = setTimeout(() => reject(new Error(`ingress did not start in 60 s:\n${out}`)), 60_000);
    child.stdout!.on('data', () => {
      if (out.includes('ingress listening')) {
        clearTimeout(timer);
        resolveStarted();
      }
    });
    child.on('exit', (code) => reject(new Error(`ingress exited with ${code}:\n${out}`)));
  });
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    output: () => out,
    kill: (signal = 'SIGKILL') =>
      new Promise<void>((r) => {
        if (child.exitCode !== null || child.signalCode !== null) return r();
        child.once('exit', () => r());
        child.kill(signal);
      }),
  };
}
