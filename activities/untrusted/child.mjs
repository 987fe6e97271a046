// A process of the untrusted-text pool (pool.ts): runs the jobs of jobs.ts on what pull requests and
// models sent, so a slow or huge input costs this process, never the worker. Plain JavaScript that
// registers tsx itself, as bin/aofctl.js does.
import { register } from 'tsx/esm/api';

register();
const { JOBS } = await import('./jobs.ts');

process.on('message', ({ id, job, input }) => {
  try {
    process.send({ id, ok: true, value: JOBS[job](input) });
  } catch (err) {
    process.send({ id, ok: false, name: err?.name ?? 'Error', message: String(err?.message ?? err) });
  }
});
// The worker is gone (crashed, killed): so is the reason to run.
process.on('disconnect', () => process.exit(0));
process.send({ ready: true });
