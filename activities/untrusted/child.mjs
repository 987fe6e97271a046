// A thread of the untrusted-text pool (pool.ts): runs the jobs of jobs.ts on what pull requests and
// models sent, so a slow or huge input costs this thread, never the worker's main thread. Plain
// JavaScript that registers tsx itself: a worker thread does not inherit the loader of its process.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { JOBS } = await import('./jobs.ts');

parentPort.on('message', ({ id, job, input }) => {
  try {
    parentPort.postMessage({ id, ok: true, value: JOBS[job](input) });
  } catch (err) {
    parentPort.postMessage({ id, ok: false, name: err?.name ?? 'Error', message: String(err?.message ?? err) });
  }
});
parentPort.postMessage({ ready: true });
