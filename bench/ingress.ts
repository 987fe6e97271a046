// npm run bench:ingress -- [deliveries] [connections]
// Sends N distinct signed deliveries (real pull_request.opened payload, unique GUIDs) to the ingress,
// backed by a real Temporal dev server and worker, and the GitHub sandbox. Prints accepted deliveries
// per second, acknowledgement latency, and checks every accepted delivery got exactly one workflow and
// one comment.
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { example } from '../src/fixtures/webhook-examples.js';
import { sign } from '../src/ingress/signature.js';
import { startStack, TEST_SECRET } from '../test/harness/stack.js';
import { stopTestTemporal } from '../test/harness/temporal.js';

const deliveries = Number(process.argv[2] ?? 2000);
const connections = Number(process.argv[3] ?? 20);

const stack = await startStack();
// The pull request exists in the sandbox, as on GitHub: the agent reads its changed files.
const body = JSON.stringify(stack.withPull(example('pull_request', 'opened')));
const signature = sign(TEST_SECRET, body);
const taskQueue = stack.resources.daemon.spec.temporal.task_queue;
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

// Wait until every accepted delivery's workflow completed, then check one workflow and one comment each.
const query = `TaskQueue = '${taskQueue}'`;
let completed = 0;
while (completed < accepted) {
  await new Promise((r) => setTimeout(r, 500));
  completed = (await stack.client.workflow.count(`${query} AND ExecutionStatus = 'Completed'`)).count;
}
const doneSeconds = (Date.now() - started) / 1000;
const workflows = (await stack.client.workflow.count(query)).count;
const comments = stack.sandbox.comments.length;

const line = (k: string, v: string) => console.log(`${k.padEnd(34)} ${v}`);
console.log(
  `\nbench:ingress — ${deliveries} deliveries, ${connections} connections, ${cpus().length} cores (${cpus()[0]?.model ?? '?'})`,
);
line('responses', JSON.stringify(Object.fromEntries(statuses)));
line('accepted deliveries per second', (accepted / ackSeconds).toFixed(0));
line('ack latency p50 / p99 / max (ms)', `${result.latency.p50} / ${result.latency.p99} / ${result.latency.max}`);
line('workflows completed per second', (accepted / doneSeconds).toFixed(0));
line('workflows / comments / accepted', `${workflows} / ${comments} / ${accepted}`);
const ok = workflows === accepted && comments === accepted && result.errors === 0 && result.non2xx === 0;
line('exactly one workflow per delivery', ok ? 'yes' : 'NO');
await stack.stop();
await stopTestTemporal();
process.exit(ok ? 0 : 1);
