// npm run bench:ingress -- [deliveries] [connections] [rounds]
// The ingress against the Temporal it starts workflows on, as `npm start` runs them: a dev server keeping
// its state in a db file (WAL), an `aofctl serve` process and an `aofctl worker` process; GitHub is the
// sandbox. In the same run, `connections` at a time, by turns (raw first and last, `rounds` of each):
//  (a) raw starts: the routed-event workflow started straight through the Temporal client with the start
//      request the ingress sends (its input, search attributes and summary);
//  (b) the ingress: N distinct signed deliveries (a real pull_request.opened payload, unique GUIDs).
// Each (b) is compared with the (a) on either side of it, so neither gains from its place. No worker runs
// while they do: the rates compare the two start paths alone (a worker working off a backlog would take
// the cores in proportion to a phase's length). Then a worker runs every workflow. Prints both rates and
// their ratio, the CPU each process spent per start, acknowledgement latency, and checks every accepted
// delivery got exactly one workflow and one comment.
import { defaultPayloadConverter } from '@temporalio/common';
import { Client, Connection } from '@temporalio/client';
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_DAEMON_GITHUB, BENCH_GITHUB_LIMITS, startBackends } from './harness/backends.js';
import { cpuSeconds, cpuSince } from './harness/cpu-time.js';
import { example } from '../src/fixtures/webhook-examples.js';
import { deliveryStart } from '../src/ingress/dispatch.js';
import { sign } from '../src/ingress/signature.js';
import type { RoutedEventInput } from '../workflows/types.js';
import { agentYaml, configDir, daemonYaml, triggerYaml } from '../test/harness/config-dir.js';
import { freePort } from '../test/harness/free-port.js';
import { startIngressProcess } from '../test/harness/ingress-process.js';
import { startWorkerProcess } from '../test/harness/worker-process.js';

const deliveries = Number(process.argv[2] ?? 1000);
const connections = Number(process.argv[3] ?? 20);
const ROUNDS = Number(process.argv[4] ?? 3);
const SECRET = 'bench-ingress-secret';
const line = (k: string, v: string) => console.log(`${k.padEnd(44)} ${v}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const state = mkdtempSync(join(tmpdir(), 'aof-bench-ingress-'));
const backends = await startBackends(SECRET, { dbFilename: join(state, 'temporal.db') });
const { temporal, sandbox, env } = backends;
// GitHub's pace is raised (the sandbox answers at once): this measures the ingress, not GitHub's limit.
const dir = configDir({
  'daemon.yaml': daemonYaml(
    BENCH_DAEMON_GITHUB + '\nrequests_per_second: 500' + '\n' + BENCH_GITHUB_LIMITS,
    // Every delivery (one sender's) runs its agent: budgets (spec.budgets) far above the load.
    '  runtime: {max_concurrent_tasks: 50}\n' + '  budgets: {per_account: 1000000, per_sender: 1000000}\n',
  ),
  'agents/a.yaml': agentYaml('reviewer', 'builtin:code-reviewer'),
  'triggers/t.yaml': triggerYaml('prs', 'config:\n  github_events: [pull_request]\ndefault_agent: reviewer'),
});
const config = join(dir, 'daemon.yaml');
const ingress = await startIngressProcess(config, await freePort(), env);
const client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
const taskQueue = 'aof';

// The pull request exists in the sandbox, as on GitHub: the agent reads its changed files.
const payload = example('pull_request', 'opened');
sandbox.addPull(payload.repository.owner.login, payload.repository.name, payload.pull_request, [
  { filename: 'README.md', status: 'modified', additions: 1, deletions: 1, changes: 2, patch: '@@ -1 +1 @@\n-a\n+b' },
]);
const body = JSON.stringify(payload);
const signature = sign(SECRET, body);
const headers = {
  'content-type': 'application/json',
  'x-github-event': 'pull_request',
  'x-hub-signature-256': signature,
};

const completed = async (query: string) =>
  (await client.workflow.count(`${query} AND ExecutionStatus = 'Completed'`)).count;

/** Runs the worker until every workflow `query` matches (`n` of them) has completed, then stops it. */
async function drain(query: string, n: number) {
  const worker = await startWorkerProcess(config, env);
  try {
    for (let polls = 1, done = 0; (done = await completed(query)) < n; polls++) {
      if (polls % 20 === 0) process.stderr.write(`the worker has completed ${done} of ${n} workflows\n`);
      await sleep(500);
    }
  } finally {
    await worker.kill('SIGTERM');
  }
}

const byDelivery = `TaskQueue = '${taskQueue}' AND WorkflowId STARTS_WITH 'github-delivery-'`;
let ok = false;
try {
  // One delivery through the ingress gives the exact workflow input the raw starts use.
  const probe = await fetch(`${ingress.url}/webhook/github`, {
    method: 'POST',
    headers: { ...headers, 'x-github-delivery': randomUUID() },
    body,
  });
  const { workflowId } = (await probe.json()) as { workflowId: string };
  const first = (await client.workflow.getHandle(workflowId).fetchHistory()).events![0]!
    .workflowExecutionStartedEventAttributes!;
  const input: RoutedEventInput = defaultPayloadConverter.fromPayload(first.input!.payloads![0]!);

  /** CPU seconds of each part while starting (not completing) each phase's workflows. */
  const cpu: Record<'raw' | 'ingress', Map<string, number>[]> = { raw: [], ingress: [] };

  /** Starts `n` routed-event workflows straight through the client, `connections` at a time; starts/s. */
  const rawStarts = async (tag: string, n: number): Promise<number> => {
    let next = 0;
    const started = Date.now();
    const cpuBefore = cpuSeconds();
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (next < n) {
          next++;
          // The ingress's own start request (search attributes, summary, id policy), a workflow id of its own.
          await client.workflow.start('routedEventWorkflow', {
            ...deliveryStart(input, taskQueue),
            workflowId: `${tag}-${randomUUID()}`,
          });
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    if (!tag.startsWith('warmup')) cpu.raw.push(cpuSince(cpuBefore));
    return n / seconds;
  };

  const statuses = new Map<number, number>();
  const latencies: { p50: number; p99: number; max: number }[] = [];
  let delivered = 1; // the probe
  /** `n` signed deliveries through the ingress, `connections` at a time; accepted/s. */
  const ingressDeliveries = async (n: number, warmup = false): Promise<number> => {
    const before = statuses.get(201) ?? 0;
    const cpuBefore = cpuSeconds();
    let lastAnswer = 0;
    const result = await autocannon({
      url: `${ingress.url}/webhook/github`,
      method: 'POST',
      connections,
      amount: n,
      body,
      headers,
      setupClient(c) {
        c.on('response', (status: number) => {
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          lastAnswer = Date.now();
        });
      },
      requests: [
        { setupRequest: (req: any) => ({ ...req, headers: { ...req.headers, 'x-github-delivery': randomUUID() } }) },
      ],
    });
    // From autocannon's first request to the last answer. (Not to `result.finish`: autocannon finishes at
    // its next one-second sample, which once made 4.1 s of deliveries count as 5.)
    const ackSeconds = (lastAnswer - new Date(result.start).getTime()) / 1000;
    if (!warmup) {
      cpu.ingress.push(cpuSince(cpuBefore));
      latencies.push(result.latency);
    }
    if (result.errors || result.non2xx) throw new Error(`${result.errors} errors, ${result.non2xx} non-2xx answers`);
    const accepted = (statuses.get(201) ?? 0) - before;
    delivered += accepted;
    return accepted / ackSeconds;
  };

  // A warm-up of both paths, a phase's worth each (server caches, the db file, the JIT and heap of both
  // processes: after a 200-delivery warm-up the ingress's CPU per delivery kept falling for phases, and a
  // long-running ingress is warm). Then raw and ingress phases by turns, raw first and last: each ingress
  // phase is compared with the raw phases on either side.
  const commentsBefore = sandbox.comments.length;
  const warmup = deliveries;
  await rawStarts('warmup', warmup);
  await ingressDeliveries(warmup, true);
  const raw = [await rawStarts('raw-1', deliveries)];
  const accepted: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    accepted.push(await ingressDeliveries(deliveries));
    raw.push(await rawStarts(`raw-${round + 1}`, deliveries));
  }
  const ratios = accepted.map((a, i) => a / ((raw[i]! + raw[i + 1]!) / 2));
  const rawStarted = warmup + raw.length * deliveries;
  await drain(`TaskQueue = '${taskQueue}'`, delivered + rawStarted);
  const workflows = (await client.workflow.count(byDelivery)).count;
  const comments = sandbox.comments.length - commentsBefore - rawStarted;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const rounded = (xs: number[], digits = 0) => xs.map((x) => x.toFixed(digits)).join(', ');

  console.log(
    `\nbench:ingress — ${deliveries} deliveries × ${ROUNDS}, ${connections} connections; \`aofctl serve\` and \`aofctl worker\` processes (the worker runs after the phases), a dev server with a db file (WAL); ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}`,
  );
  line('(a) raw Temporal starts per second', `${mean(raw).toFixed(0)} (phases ${rounded(raw)})`);
  line('(b) ingress: accepted deliveries per second', `${mean(accepted).toFixed(0)} (phases ${rounded(accepted)})`);
  line('(b) / (a) raw on either side', `${mean(ratios).toFixed(2)}x (phases ${rounded(ratios, 2)})`);
  // Where the two cores went: CPU milliseconds per delivery (or raw start) by part, while starting.
  const perStart = (phases: Map<string, number>[]) => {
    const parts = new Map<string, number>();
    for (const m of phases) for (const [k, v] of m) parts.set(k, (parts.get(k) ?? 0) + v);
    return [...parts]
      .filter(([k]) => k === 'bench' || k.startsWith('aofctl') || k.startsWith('temporal'))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k} ${((v * 1000) / (deliveries * phases.length)).toFixed(1)}`)
      .join(', ');
  };
  line('CPU ms per raw start, by process', perStart(cpu.raw));
  line('CPU ms per delivery, by process', perStart(cpu.ingress));
  line('responses', JSON.stringify(Object.fromEntries(statuses)));
  line('ack latency p50 / p99 / max (ms)', latencies.map((l) => `${l.p50} / ${l.p99} / ${l.max}`).join('; '));
  // Every delivery sent through the ingress, the probe and the warm-up included.
  line('workflows / comments / accepted deliveries', `${workflows} / ${comments} / ${delivered}`);
  ok = workflows === delivered && comments === delivered && delivered === 1 + warmup + deliveries * ROUNDS;
  line('exactly one workflow and one comment per delivery', ok ? 'yes' : 'NO');
} finally {
  await ingress.kill('SIGTERM');
  await client.connection.close();
  await backends.stop();
  rmSync(state, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
