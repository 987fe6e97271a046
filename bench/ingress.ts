// npm run bench:ingress -- [deliveries] [connections]
// The ingress against the Temporal it would start workflows on anyway. A dev server keeping its state in
// a db file, as `npm start` runs it, a worker and the GitHub sandbox; then, in the same run:
//  (a) raw starts: the routed-event workflow started straight through the Temporal client, N times,
//      `connections` at a time, with the input the ingress gives it;
//  (b) the ingress: N distinct signed deliveries (a real pull_request.opened payload, unique GUIDs) over
//      HTTP, `connections` at a time.
// Prints both rates and their ratio, acknowledgement latency, and checks every accepted delivery got
// exactly one workflow and one comment.
import { defaultPayloadConverter } from '@temporalio/common';
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { example } from '../src/fixtures/webhook-examples.js';
import { sign } from '../src/ingress/signature.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { startStack, TEST_SECRET } from '../test/harness/stack.js';

const deliveries = Number(process.argv[2] ?? 2000);
const connections = Number(process.argv[3] ?? 20);
const state = mkdtempSync(join(tmpdir(), 'aof-bench-ingress-'));
const temporal = await startDevServer({ dbFilename: join(state, 'temporal.db') });
// GitHub's pace is raised (the sandbox answers at once): this measures the ingress, not GitHub's limit.
const stack = await startStack({
  temporal,
  mutate: (r) => void (r.daemon.spec.platforms.github.requests_per_second = 500),
});
const taskQueue = stack.resources.daemon.spec.temporal.task_queue;
const line = (k: string, v: string) => console.log(`${k.padEnd(40)} ${v}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The pull request exists in the sandbox, as on GitHub: the agent reads its changed files.
const body = JSON.stringify(stack.withPull(example('pull_request', 'opened')));
const signature = sign(TEST_SECRET, body);

async function completedAll(query: string, n: number) {
  while ((await stack.client.workflow.count(`${query} AND ExecutionStatus = 'Completed'`)).count < n) await sleep(500);
}

// One delivery through the ingress gives the exact workflow input; (a) starts that input raw.
const probe = await stack.send('pull_request', body);
const probeHandle = stack.client.workflow.getHandle(probe.body.workflowId);
await probeHandle.result();
const first = (await probeHandle.fetchHistory()).events![0]!.workflowExecutionStartedEventAttributes!;
const input: unknown = defaultPayloadConverter.fromPayload(first.input!.payloads![0]!);
/** Starts `n` routed-event workflows straight through the client, `connections` at a time; seconds taken. */
async function rawStarts(tag: string, n: number): Promise<number> {
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < n) {
        next++;
        await stack.client.workflow.start('routedEventWorkflow', {
          workflowId: `${tag}-${randomUUID()}`,
          taskQueue,
          args: [input],
        });
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  await completedAll(`TaskQueue = '${taskQueue}' AND WorkflowId STARTS_WITH '${tag}'`, n);
  return seconds;
}
// A warm-up (server caches, the db file, the JIT), so neither measured phase pays for being first.
await rawStarts('warmup', Math.min(200, deliveries));
const rawSeconds = await rawStarts(`raw-${randomUUID().slice(0, 8)}`, deliveries);
stack.sandbox.comments.length = 0;

const statuses = new Map<number, number>();
const started = Date.now();
const result = await autocannon({
  url: `${stack.url}/webhook/github`,
  method: 'POST',
  connections,
  amount: deliveries,
  body,
  headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-hub-signature-256': signature },
  setupClient(client) {
    client.on('response', (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1));
  },
  requests: [
    { setupRequest: (req: any) => ({ ...req, headers: { ...req.headers, 'x-github-delivery': randomUUID() } }) },
  ],
});
const ackSeconds = (Date.now() - started) / 1000;
const accepted = statuses.get(201) ?? 0;

// Every accepted delivery's workflow completes; then one workflow and one comment each.
const query = `TaskQueue = '${taskQueue}' AND WorkflowId STARTS_WITH 'github-delivery-'`;
await completedAll(query, accepted + 1);
const doneSeconds = (Date.now() - started) / 1000;
const workflows = (await stack.client.workflow.count(query)).count - 1; // less the probe
const comments = stack.sandbox.comments.length;
// Raw starts once more after the ingress phase: neither side benefits from going first or second.
const rawAfterSeconds = await rawStarts(`raw-after-${randomUUID().slice(0, 8)}`, deliveries);

const rawRate = (deliveries / rawSeconds + deliveries / rawAfterSeconds) / 2;
const ingressRate = accepted / ackSeconds;
console.log(
  `\nbench:ingress — ${deliveries} deliveries, ${connections} connections, dev server with a db file (WAL), ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}`,
);
line(
  '(a) raw Temporal starts per second',
  `${rawRate.toFixed(0)} (before ${(deliveries / rawSeconds).toFixed(0)}, after ${(deliveries / rawAfterSeconds).toFixed(0)})`,
);
line(
  '(b) ingress: accepted deliveries per second',
  `${ingressRate.toFixed(0)} (${(ingressRate / rawRate).toFixed(2)}x raw)`,
);
line('responses', JSON.stringify(Object.fromEntries(statuses)));
line('ack latency p50 / p99 / max (ms)', `${result.latency.p50} / ${result.latency.p99} / ${result.latency.max}`);
line('workflows completed per second', (accepted / doneSeconds).toFixed(0));
line('workflows / comments / accepted', `${workflows} / ${comments} / ${accepted}`);
const ok = workflows === accepted && comments === accepted && result.errors === 0 && result.non2xx === 0;
line('exactly one workflow per delivery', ok ? 'yes' : 'NO');
await stack.stop();
await temporal.teardown();
rmSync(state, { recursive: true, force: true });
process.exit(ok ? 0 : 1);
