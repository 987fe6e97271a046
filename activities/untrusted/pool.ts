// A small pool of child processes for work on untrusted text: parsing pull requests' files, the built-in
// rules over their code and patches. Each job has a time limit: past it the process is killed (a process
// can be stopped mid-computation, a function on the main thread cannot) and the job fails with
// TimeLimit, which callers report as a skipped file. Each process's heap is capped, so a job that needs
// too much memory fails with OutOfMemory instead of aborting the worker. The worker's main thread, which
// heartbeats activities and answers other events, only waits.
// Processes, not worker_threads: terminating a thread inside a native call (tree-sitter's cursor) aborts
// the whole process ("terminate called after throwing an instance of 'Napi::Error'"); killing a process
// is always safe, and its native memory goes with it. No library (piscina): what is needed beyond
// child_process, killing a job at its time limit and respawning, is a few lines.
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import type { Jobs } from './jobs.js';

export class TimeLimit extends Error {
  override name = 'TimeLimit';
}
/** The job was still queued at its deadline (a pull request's budget used up by the jobs before it). */
export class PastDeadline extends Error {
  override name = 'PastDeadline';
}
export class OutOfMemory extends Error {
  override name = 'OutOfMemory';
}
/** A job that threw in its thread (a TooComplex source, say): `kind` is the error's name there. */
export class JobFailed extends Error {
  override name = 'JobFailed';
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(message);
  }
}

export interface PoolOptions {
  threads: number;
  /** Each thread's old-generation heap, MB. */
  heapMb: number;
}

interface Pending {
  id: number;
  job: keyof Jobs;
  input: unknown;
  ms: number;
  deadline?: number;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

interface Thread {
  worker: ChildProcess;
  ready: boolean;
  /** The end of its standard error, to tell running out of memory from other deaths. */
  stderr: string;
  current?: Pending & { timer?: NodeJS.Timeout };
}

const ENTRY = new URL('./child.mjs', import.meta.url);

export class UntrustedPool {
  private readonly threads: Thread[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;

  constructor(private readonly opts: PoolOptions) {}

  /** Runs `job` on `input` in a thread: at most `ms` once a thread has it, started before `deadline` (epoch ms). */
  run<K extends keyof Jobs>(
    job: K,
    input: Parameters<Jobs[K]>[0],
    ms: number,
    deadline?: number,
  ): Promise<ReturnType<Jobs[K]>> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.queue.push({ id, job, input, ms, deadline, resolve: resolve as (v: unknown) => void, reject });
      this.dispatch();
    });
  }

  /** Stops every process (jobs still queued or running fail). */
  close(): void {
    for (const p of this.queue.splice(0)) p.reject(new Error('the pool was closed'));
    for (const t of this.threads.splice(0)) {
      t.current?.reject(new Error('the pool was closed'));
      clearTimeout(t.current?.timer);
      t.worker.kill('SIGKILL');
    }
  }

  private dispatch() {
    this.assign();
    // Work under way keeps the process alive; an idle pool does not.
    for (const t of this.threads) {
      const busy = Boolean(t.current) || (!t.ready && this.queue.length > 0);
      if (busy) {
        t.worker.ref();
        t.worker.channel?.ref();
      } else {
        t.worker.unref();
        t.worker.channel?.unref();
      }
    }
  }

  private assign() {
    while (this.queue.length) {
      const late = this.queue.findIndex((p) => p.deadline !== undefined && Date.now() > p.deadline);
      if (late >= 0) {
        this.queue.splice(late, 1)[0]!.reject(new PastDeadline('its deadline passed while it waited'));
        continue;
      }
      const idle = this.threads.find((t) => t.ready && !t.current);
      if (idle) {
        this.start(idle, this.queue.shift()!);
        continue;
      }
      if (this.threads.length < this.opts.threads) this.spawn();
      return;
    }
  }

  private start(t: Thread, p: Pending) {
    t.current = p;
    t.current.timer = setTimeout(() => {
      this.drop(t);
      p.reject(new TimeLimit(`took over ${p.ms / 1000} s`));
    }, p.ms);
    t.worker.send({ id: p.id, job: p.job, input: p.input });
  }

  private spawn() {
    const worker = fork(ENTRY, [], {
      execArgv: [`--max-old-space-size=${this.opts.heapMb}`],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const t: Thread = { worker, ready: false, stderr: '' };
    worker.stderr?.on('data', (d: Buffer) => (t.stderr = (t.stderr + d.toString()).slice(-2000)));
    (worker.stderr as { unref?: () => void } | null)?.unref?.();
    this.threads.push(t);
    worker.on(
      'message',
      (m: { ready?: true; id?: number; ok?: boolean; value?: unknown; name?: string; message?: string }) => {
        if (m.ready) t.ready = true;
        else if (t.current && m.id === t.current.id) {
          const p = t.current;
          clearTimeout(p.timer);
          t.current = undefined;
          if (m.ok) p.resolve(m.value);
          else p.reject(new JobFailed(m.name ?? 'Error', m.message ?? ''));
        }
        this.dispatch();
      },
    );
    const died = (err: Error) => {
      if (!this.threads.includes(t)) return;
      const p = t.current;
      this.drop(t);
      if (p) {
        const oom = /heap out of memory|allocation failed/i.test(t.stderr);
        p.reject(oom ? new OutOfMemory(`needed over ${this.opts.heapMb} MB`) : err);
      } else if (!t.ready) {
        // The process could not even start: fail what waits rather than respawning for ever.
        for (const q of this.queue.splice(0)) q.reject(new Error(`${err.message}: ${t.stderr.slice(-500)}`));
      }
      this.dispatch();
    };
    worker.on('error', died);
    worker.on('exit', (code, signal) => died(new Error(`the pool's process exited (${signal ?? code})`)));
  }

  private drop(t: Thread) {
    const i = this.threads.indexOf(t);
    if (i >= 0) this.threads.splice(i, 1);
    clearTimeout(t.current?.timer);
    t.current = undefined;
    t.worker.kill('SIGKILL');
    this.dispatch();
  }
}

let shared: UntrustedPool | undefined;

/** The worker's pool: up to two processes (the machine's other cores run workflows and activities). */
export function untrustedPool(): UntrustedPool {
  shared ??= new UntrustedPool({ threads: Math.max(1, Math.min(2, availableParallelism() - 1)), heapMb: 512 });
  return shared;
}
