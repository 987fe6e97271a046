// npm run bench:memory
// A worker process's resident memory (RSS): idle after start, after 1,000 completed agent runs, and with
// 500 pull requests' gates open (each reviewed once and waiting for the next push), each at its peak and
// once settled. One worker process and one ingress process against a Temporal dev server; GitHub is the
// sandbox. An argument sets the worker's runtime.max_cached_workflows.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { BENCH_DAEMON_GITHUB, BENCH_GITHUB_LIMITS, startBackends } from './harness/backends.js';
import { example } from '../src/fixtures/webhook-examples.js';
import { agentYaml, configDir, daemonYaml, triggerYaml } from '../test/harness/config-dir.js';
import { freePort } from '../test/harness/free-port.js';
import { startIngressProcess } from '../test/harness/ingress-process.js';
import { addedFile, pullRequest, sha, tsFunctions } from '../test/harness/synthetic-pr.js';
import { startWorkerProcess } from '../test/harness/worker-process.js';
import { accepted, redeliver, sendAll, type Delivery } from './scaled/load.js';
import { DEFAULT_CACHED_WORKFLOWS } from '../src/config/schema.js';

const SECRET = 'bench-memory-secret';
/** Issue 12's goal for a worker with 500 open gates. */
const TARGET_MB = 300;
/** `npm run bench:memory -- [max_cached_workflows]`: the worker's default (100) unless given. */
const cached = process.argv[2] === undefined ? undefined : Number(process.argv[2]);
if (cached !== undefined && !Number.isInteger(cached)) throw new Error('usage: bench:memory [max_cached_workflows]');
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
    BENCH_DAEMON_GITHUB + '\nrequests_per_second: 200' + '\n' + BENCH_GITHUB_LIMITS,
    // One sender's 1,000 issues are all answered: budgets (spec.budgets) far above the load.
    `  gates: {directory: gates}\n  runtime: {max_concurrent_tasks: 50${cached === undefined ? '' : `, max_cached_workflows: ${cached}`}}\n` +
      '  budgets: {per_account: 1000000, per_sender: 1000000}\n',
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
const rows: [string, string, string][] = [];
/**
 * RSS at its peak during the last stage and once the worker has been quiet for SETTLE_MS: V8 gives
 * memory back only after a while without work (its memory reducer, about 40 s here), so a sample taken
 * at once shows the burst, not what the worker holds.
 */
const SETTLE_MS = 90_000;
let peak = 0;
const watch = setInterval(() => {
  if (worker.child.exitCode === null) peak = Math.max(peak, rssMb(worker.child.pid!));
}, 1000);
const sample = async (label: string) => {
  const busiest = Math.max(peak, rssMb(worker.child.pid!));
  log(`${label}: peak ${busiest.toFixed(0)} MB; settling for ${SETTLE_MS / 1000} s`);
  await sleep(SETTLE_MS);
  const mb = rssMb(worker.child.pid!);
  rows.push([label, `${busiest.toFixed(0)} MB`, `${mb.toFixed(0)} MB`]);
  log(`${label}: ${mb.toFixed(0)} MB settled`);
  peak = 0;
};
let ok = false;
/** The answers of deliveries the ingress refused (each then redelivered until accepted). */
const redelivered: number[] = [];
try {
  await sample('idle after start');

  const issue = example('issues', 'opened');
  const issues: Delivery[] = Array.from({ length: 1000 }, (_, i) => {
    issue.issue.number = i + 1;
    sandbox.addIssuesOf(issue); // the issue exists on GitHub: comments on it are not 404
    return { guid: randomUUID(), event: 'issues', body: JSON.stringify(issue), marker: i + 1 };
  });
  /** Sends each delivery, 20 at a time; one the ingress refused is redelivered, as GitHub's would be. */
  const deliverAll = async (all: Delivery[]) => {
    const outcomes = await sendAll(
      all,
      () => [ingress.url],
      SECRET,
      20,
      () => {},
    );
    const refused = outcomes.flatMap((o, i) => (accepted(o) ? [] : [[o.status, i] as const]));
    for (const [, i] of refused) await redeliver(ingress.url, all[i]!, SECRET);
    if (refused.length) {
      log(`${refused.length} refused (${refused.map(([s]) => s).join(', ')}), redelivered`);
      redelivered.push(...refused.map(([s]) => s));
    }
  };
  log('sending 1,000 issues');
  await deliverAll(issues);
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
  await deliverAll(pulls);
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
  clearInterval(watch);
  await ingress.kill('SIGTERM');
  await worker.kill('SIGTERM');
  await backends.stop();
}
console.log(
  `\nbench:memory — ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}, ` +
    `max_cached_workflows ${cached ?? `${DEFAULT_CACHED_WORKFLOWS} (default)`}`,
);
console.log(`${'worker RSS'.padEnd(44)} ${'peak'.padStart(8)} ${'settled'.padStart(8)}`);
for (const [k, busiest, settled] of rows) console.log(`${k.padEnd(44)} ${busiest.padStart(8)} ${settled.padStart(8)}`);
const open = rows.at(-1);
if (ok && open)
  console.log(
    `target: at most ${TARGET_MB} MB with 500 open gates, at the peak and settled: ${[open[1], open[2]].every((v) => parseFloat(v) <= TARGET_MB) ? 'met' : 'NOT met'}`,
  );
console.log(
  `deliveries refused and redelivered: ${redelivered.length ? `${redelivered.length} (answers ${redelivered.join(', ')})` : 'none'}`,
);
process.exit(ok ? 0 : 1);
