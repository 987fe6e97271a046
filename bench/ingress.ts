// npm run bench:ingress -- [deliveries] [connections]
// The ingress against the Temporal it starts workflows on, as `npm start` runs them: a dev server keeping
// its state in a db file (WAL), an `aofctl worker` process and an `aofctl serve` process; GitHub is the
// sandbox. In the same run, `connections` at a time:
//  (a) raw starts: the routed-event workflow started straight through the Temporal client with the start
//      request the ingress sends (its input, search attributes and summary), measured before and after
//      (b), so neither gains from its place;
//  (b) the ingress: N distinct signed deliveries (a real pull_request.opened payload, unique GUIDs).
// Prints both rates and their ratio, acknowledgement latency, and checks every accepted delivery got
// exactly one workflow and one comment.
import { defaultPayloadConverter } from '@temporalio/common';
import { Client, Connection } from '@temporalio/client';
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_DAEMON_GITHUB, startBackends } from './harness/backends.js';
import { example } from '../src/fixtures/webhook-examples.js';
import { deliveryStart } from '../src/ingress/dispatch.js';
import { sign } from '../src/ingress/signature.js';
import type { RoutedEventInput } from '../workflows/types.js';
import { agentYaml, configDir, daemonYaml, triggerYaml } from '../test/harness/config-dir.js';
import { freePort } from '../test/harness/free-port.js';
import { startIngressProcess } from '../test/harness/ingress-process.js';
import { startWorkerProcess } from '../test/harness/worker-process.js';

const deliveries = Number(process.argv[2] ?? 2000);
const connections = Number(process.argv[3] ?? 20);
const SECRET = 'bench-ingress-secret';
const line = (k: string, v: string) => console.log(`${k.padEnd(44)} ${v}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const state = mkdtempSync(join(tmpdir(), 'aof-bench-ingress-'));
const backends = await startBackends(SECRET, { dbFilename: join(state, 'temporal.db') });
const { temporal, sandbox, env } = backends;
// GitHub's pace is raised (the sandbox answers at once): this measures the ingress, not GitHub's limit.
const dir = configDir({
  'daemon.yaml': daemonYaml(
    BENCH_DAEMON_GITHUB + '\nrequests_per_second: 500',
    '  runtime: {max_concurrent_tasks: 50}\n',
  ),
  'agents/a.yaml': agentYaml('reviewer', 'builtin:code-reviewer'),
  'triggers/t.yaml': triggerYaml('prs', 'config:\n  github_events: [pull_request]\ndefault_agent: reviewer'),
});
const config = join(dir, 'daemon.yaml');
const worker = await startWorkerProcess(config, env);
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

async function completedAll(query: string, n: number) {
  while ((await client.workflow.count(`${query} AND ExecutionStatus = 'Completed'`)).count < n) await sleep(500);
}

let ok = false;
try {
  // One delivery through the ingress gives the exact workflow input the raw starts use.
  const probe = await fetch(`${ingress.url}/webhook/github`, {
    method: 'POST',
    headers: { ...headers, 'x-github-delivery': randomUUID() },
    body,
  });
  const { workflowId } = (await probe.json()) as { workflowId: string };
  const probeHandle = client.workflow.getHandle(workflowId);
  await probeHandle.result();
  const first = (await probeHandle.fetchHistory()).events![0]!.workflowExecutionStartedEventAttributes!;
  const input: RoutedEventInput = defaultPayloadConverter.fromPayload(first.input!.payloads![0]!);

  /** Starts `n` routed-event workflows straight through the client, `connections` at a time; seconds taken. */
  const rawStarts = async (tag: string, n: number): Promise<number> => {
    let next = 0;
    const started = Date.now();
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
    await completedAll(`TaskQueue = '${taskQueue}' AND WorkflowId STARTS_WITH '${tag}'`, n);
    return seconds;
  };

  // A warm-up (server caches, the db file, the JIT), then (a), (b), (a) again.
  await rawStarts('warmup', Math.min(200, deliveries));
  const rawBefore = await rawStarts('raw-before', deliveries);

  const commentsBefore = sandbox.comments.length; // (a)'s workflows have all completed, comments included
  const statuses = new Map<number, number>();
  const started = Date.now();
  const result = await autocannon({
    url: `${ingress.url}/webhook/github`,
    method: 'POST',
    connections,
    amount: deliveries,
    body,
    headers,
    setupClient(c) {
      c.on('response', (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1));
    },
    requests: [
      { setupRequest: (req: any) => ({ ...req, headers: { ...req.headers, 'x-github-delivery': randomUUID() } }) },
    ],
  });
  // From autocannon's first request to its last answer (its own start-up is not the ingress's time).
  const ackSeconds = (new Date(result.finish).getTime() - new Date(result.start).getTime()) / 1000;
  const accepted = statuses.get(201) ?? 0;
  const query = `TaskQueue = '${taskQueue}' AND WorkflowId STARTS_WITH 'github-delivery-'`;
  await completedAll(query, accepted + 1); // and the probe
  const doneSeconds = (Date.now() - started) / 1000;
  const workflows = (await client.workflow.count(query)).count - 1;
  const comments = sandbox.comments.length - commentsBefore;

  const rawAfter = await rawStarts('raw-after', deliveries);
  const rawRate = (deliveries / rawBefore + deliveries / rawAfter) / 2;
  const ingressRate = accepted / ackSeconds;
  console.log(
    `\nbench:ingress — ${deliveries} deliveries, ${connections} connections; \`aofctl serve\` and \`aofctl worker\` processes, a dev server with a db file (WAL); ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}`,
  );
  line(
    '(a) raw Temporal starts per second',
    `${rawRate.toFixed(0)} (before ${(deliveries / rawBefore).toFixed(0)}, after ${(deliveries / rawAfter).toFixed(0)})`,
  );
  line(
    '(b) ingress: accepted deliveries per second',
    `${ingressRate.toFixed(0)} (${(ingressRate / rawRate).toFixed(2)}x raw)`,
  );
  line('responses', JSON.stringify(Object.fromEntries(statuses)));
  line('ack latency p50 / p99 / max (ms)', `${result.latency.p50} / ${result.latency.p99} / ${result.latency.max}`);
  line('workflows completed per second', (accepted / doneSeconds).toFixed(0));
  line('workflows / comments / accepted', `${workflows} / ${comments} / ${accepted}`);
  ok = workflows === accepted && comments === accepted && result.errors === 0 && result.non2xx === 0;
  line('exactly one workflow per delivery', ok ? 'yes' : 'NO');
} finally {
  await ingress.kill('SIGTERM');
  await worker.kill('SIGTERM');
  await client.connection.close();
  await backends.stop();
  rmSync(state, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
