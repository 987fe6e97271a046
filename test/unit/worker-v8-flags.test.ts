// The V8 flags a worker process sets on itself reach the threads it starts later (Temporal runs workflows
// in a worker thread): with --optimize-for-size a new thread's young generation is 1 MB instead of 32 MB.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_WORKER_V8_FLAGS, workerV8Flags } from '../../src/worker/v8-flags.js';

const flagsModule = pathToFileURL(resolve(import.meta.dirname, '../../src/worker/v8-flags.ts')).href;

/** In a fresh process: apply the flags of `env`, start a thread, and return its young generation's size. */
function threadNewSpaceMb(env: Record<string, string>): number {
  const script = `
    import { Worker } from 'node:worker_threads';
    const { applyWorkerV8Flags } = await import(${JSON.stringify(flagsModule)});
    applyWorkerV8Flags();
    const w = new Worker("const v8 = require('node:v8'); const a = []; for (let i = 0; i < 2e6; i++) a.push({ i });" +
      "require('node:worker_threads').parentPort.postMessage(v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size)",
      { eval: true, execArgv: [] });
    w.on('message', (size) => { console.log(size); process.exit(0); });`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return Number(out.trim()) / 2 ** 20;
}

describe('worker V8 flags', () => {
  it('default --optimize-for-size: a thread started afterwards keeps a small young generation', () => {
    const without = threadNewSpaceMb({ AOF_WORKER_V8_FLAGS: '' });
    const withFlags = threadNewSpaceMb({});
    assert.ok(withFlags * 8 <= without, `young generation ${withFlags} MB with the flag, ${without} MB without`);
  });

  it('reads AOF_WORKER_V8_FLAGS and refuses what is not a flag', () => {
    assert.deepEqual(workerV8Flags({}), [DEFAULT_WORKER_V8_FLAGS]);
    assert.deepEqual(workerV8Flags({ AOF_WORKER_V8_FLAGS: '' }), []);
    assert.deepEqual(workerV8Flags({ AOF_WORKER_V8_FLAGS: ' --max-semi-space-size=4  --optimize-for-size ' }), [
      '--max-semi-space-size=4',
      '--optimize-for-size',
    ]);
    assert.throws(
      () => workerV8Flags({ AOF_WORKER_V8_FLAGS: '--optimize-for-size; rm -rf /' }),
      /AOF_WORKER_V8_FLAGS: "--optimize-for-size;" is not a V8 flag/,
    );
  });
});
