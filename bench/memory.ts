// npm run bench:memory
// A worker process's resident memory (RSS): idle after start, after 1,000 completed agent runs, and with
// 500 pull requests' gates open (each reviewed once and waiting for the next push). One worker process
// and one ingress process against a Temporal dev server; GitHub is the sandbox.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { BENCH_DAEMON_GITHUB, startBackends } from './harness/backends.js';
import { example } from '../src/fixtures/webhook-examples.js';
import { agentYaml, configDir, daemonYaml, triggerYaml } from '../test/harness/config-dir.js';
import { freePort } from '../test/harness/free-port.js';
import { startIngressProcess } from '../test/harness/ingress-process.js';
import { addedFile, pullRequest, sha, tsFunctions } from '../test/harness/synthetic-pr.js';
import { startWorkerProcess } from '../test/harness/worker-process.js';
import { sendAll, type Delivery } from './scaled/load.js';

const SECRET = 'bench-memory-secret';
const log = (msg: string) => process.stderr.write(`[bench:memory ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resident memory of a process, in MB (Linux /proc). */
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** Waits for `done`, logging `progress()` every 10 s. */
async function until(what: string, done: () => boolean, progress: () => string, timeoutMs = 600_000) {
  const started = Date.now();
  let logged = started;
  while (!done()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what} (${progress()})`);
    if (Date.now() - logged > 10_000) {
      logged = Date.now();
      log(`waiting for ${what}: ${progress()}`);
    }
    await sleep(200);
  }
}

const dir = configDir({
  'daemon.yaml': daemonYaml(
    BENCH_DAEMON_GITHUB + '\nrequests_per_second: 200',
    '  gates: {directory: gates}\n  runtime: {max_concurrent_tasks: 50}\n',
  ),
  'agents/a.yaml': agentYaml('helper'),
  'gates/g.yaml':
    'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: g}\nspec:\n  title: Mem\n  billing: {default_tier: enterprise}\n',
  'triggers/t.yaml': triggerYaml(
    't',
    'config:\n  github_events: [issues, pull_request]\ncommands:\n  issues.opened: {agent: helper}\n  pull_request.opened: {gate: g}',
  ),
});
const config = join(dir, 'daemon.yaml');
const backends = await startBackends(SECRET);
const { sandbox, env } = backends;
const worker = await startWorkerProcess(config, env);
const ingress = await startIngressProcess(config, await freePort(), env);
const rows: [string, string][] = [];
const sample = async (label: string) => {
  await sleep(5000); // let the worker settle (GC, caches)
  const mb = rssMb(worker.child.pid!);
  rows.push([label, `${mb.toFixed(0)} MB`]);
  log(`${label}: ${mb.toFixed(0)} MB`);
};
let ok = false;
try {
  await sample('worker RSS, idle after start');

  const issue = example('issues', 'opened');
  const issues: Delivery[] = Array.from({ length: 1000 }, (_, i) => {
    issue.issue.number = i + 1;
    return { guid: randomUUID(), event: 'issues', body: JSON.stringify(issue), marker: i + 1 };
  });
  log('sending 1,000 issues');
  await sendAll(
    issues,
    () => [ingress.url],
    SECRET,
    20,
    () => {},
  );
  await until(
    '1,000 answers',
    () => sandbox.comments.length >= 1000,
    () => `${sandbox.comments.length} answered`,
  );
  await sample('after 1,000 completed agent runs');

  const pulls: Delivery[] = Array.from({ length: 500 }, (_, i) => {
    const p = pullRequest('mem-org/app', i + 1, sha(`mem:${i}`));
    sandbox.addPull('mem-org', 'app', p.pull_request, [addedFile('src/a.ts', tsFunctions(3, `m${i}`))]);
    return { guid: randomUUID(), event: 'pull_request', body: JSON.stringify(p), marker: i + 1 };
  });
  log('opening 500 pull requests');
  await sendAll(
    pulls,
    () => [ingress.url],
    SECRET,
    20,
    () => {},
  );
  const conclusions = () => {
    const by: Record<string, number> = {};
    for (const c of sandbox.checkRuns) by[c.conclusion ?? c.status] = (by[c.conclusion ?? c.status] ?? 0) + 1;
    return JSON.stringify(by);
  };
  await until(
    '500 completed gate checks',
    () => sandbox.checkRuns.filter((c) => c.status === 'completed').length >= 500,
    conclusions,
  );
  if (sandbox.checkRuns.some((c) => c.conclusion !== 'success' && c.conclusion !== 'failure'))
    throw new Error(`some gate checks did not complete their review: ${conclusions()}`);
  await sample('with 500 open gates (each reviewed once)');
  ok = true;
} finally {
  await ingress.kill('SIGTERM');
  await worker.kill('SIGTERM');
  await backends.stop();
}
console.log(`\nbench:memory — ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}`);
for (const [k, v] of rows) console.log(`${k.padEnd(48)} ${v}`);
process.exit(ok ? 0 : 1);
