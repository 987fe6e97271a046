// A small pool of worker threads for work on untrusted text: parsing pull requests' files, the built-in
// rules over their code and patches. Each job has a time limit: past it the thread is terminated (a
// thread can be stopped mid-computation, a function on the main thread cannot) and the job fails with
// TimeLimit, which callers report as a skipped file. Each thread's heap is capped, so a job that needs
// too much memory fails with OutOfMemory instead of aborting the worker process. The worker's main
// thread, which heartbeats activities and answers other events, only waits.
// Plain worker_threads rather than a library such as piscina: the one thing needed beyond it, killing a
// job at its time limit, is terminate() and a respawn.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
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
  worker: Worker;
  ready: boolean;
  current?: Pending & { timer?: NodeJS.Timeout };
}

const ENTRY = new URL('./thread.mjs', import.meta.url);

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

  /** Stops every thread (jobs still queued or running fail). */
  async close(): Promise<void> {
    for (const p of this.queue.splice(0)) p.reject(new Error('the pool was closed'));
    await Promise.all(this.threads.splice(0).map((t) => t.worker.terminate()));
  }

  private dispatch() {
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
    t.worker.postMessage({ id: p.id, job: p.job, input: p.input });
  }

  private spawn() {
    const worker = new Worker(ENTRY, {
      resourceLimits: { maxOldGenerationSizeMb: this.opts.heapMb },
      stdout: false,
      stderr: false,
    });
    worker.unref(); // an idle pool does not keep the process alive
    const t: Thread = { worker, ready: false };
    this.threads.push(t);
    worker.on('message', (m: { ready?: true; id?: number; ok?: boolean; value?: unknown; name?: string; message?: string }) => {
      if (m.ready) t.ready = true;
      else if (t.current && m.id === t.current.id) {
        const p = t.current;
        clearTimeout(p.timer);
        t.current = undefined;
        if (m.ok) p.resolve(m.value);
        else p.reject(new JobFailed(m.name ?? 'Error', m.message ?? ''));
      }
      this.dispatch();
    });
    const died = (err: Error) => {
      if (!this.threads.includes(t)) return;
      const p = t.current;
      this.drop(t);
      if (p) {
        const oom = (err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY';
        p.reject(oom ? new OutOfMemory(`needed over ${this.opts.heapMb} MB`) : err);
      } else if (!t.ready) {
        // The thread could not even start: fail what waits rather than respawning for ever.
        for (const q of this.queue.splice(0)) q.reject(err);
      }
      this.dispatch();
    };
    worker.on('error', died);
    worker.on('exit', (code) => died(new Error(`the thread exited (${code})`)));
  }

  private drop(t: Thread) {
    const i = this.threads.indexOf(t);
    if (i >= 0) this.threads.splice(i, 1);
    clearTimeout(t.current?.timer);
    t.current = undefined;
    void t.worker.terminate();
    this.dispatch();
  }
}

let shared: UntrustedPool | undefined;

/** The process's pool: up to two threads (the machine's other cores run workflows and activities). */
export function untrustedPool(): UntrustedPool {
  shared ??= new UntrustedPool({ threads: Math.max(1, Math.min(2, availableParallelism() - 1)), heapMb: 512 });
  return shared;
}
