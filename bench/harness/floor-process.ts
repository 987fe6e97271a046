// The floor's workers in a process of their own, as the real review's worker is (`aofctl worker`), so that
// neither shares an event loop with the bench, the ingress or the GitHub sandbox. Driven by
// floorWorkerProcess (floor.ts) over IPC: `serve` sets the recorded results (new workers when new activity
// types appear), and every activity reports back the moment it ran.
// One activity is not answered from the record: the quota's reservation is Temporal's shape, not work
// (an update-with-start of the account's count workflow, and that workflow's task), so the floor makes it
// too, on a count of its own (the account prefixed `floor-`) served on the floor's counts queue.
import { Context } from '@temporalio/activity';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createQuotaActivities } from '../../activities/quota/index.js';
import { createLogger } from '../../src/log.js';
import { installTemporalRuntime } from '../../src/temporal/runtime-logger.js';
import { workflowBundle } from '../../test/harness/temporal.js';

installTemporalRuntime(createLogger('temporal-sdk', process.env.LOG_LEVEL ?? 'error'));

interface Serve {
  cmd: 'serve';
  address: string;
  namespace: string;
  queues: string[];
  /** The counts' queue (quota months): served with the real quota activities and workflows. */
  countsQueue: string;
  types: string[];
  results: [string, unknown][];
}

let results = new Map<string, unknown>();
const types = new Set<string>();
let workers: { stop(): Promise<void> } | undefined;
let connection: NativeConnection | undefined;
let client: Promise<Client> | undefined;
const send = (m: unknown) => process.send!(m);

async function serve(m: Serve) {
  results = new Map(m.results);
  if (workers && m.types.every((t) => types.has(t))) return;
  m.types.forEach((t) => types.add(t));
  await workers?.stop();
  connection ??= await NativeConnection.connect({ address: m.address });
  client ??= Connection.connect({ address: m.address }).then(
    (c) => new Client({ connection: c, namespace: m.namespace }),
  );
  const quota = createQuotaActivities(() => client!, m.queues[0]!, m.countsQueue);
  const activities = Object.fromEntries(
    [...types].map((type) => [
      type,
      async (input: { account?: string }) => {
        const { workflowType, activityId } = Context.current().info;
        const key = `${workflowType}:${activityId}`;
        send({ ran: key, at: Date.now(), known: results.has(key) });
        if (type === 'reserveQuota')
          return quota.reserveQuota({
            ...(input as Parameters<typeof quota.reserveQuota>[0]),
            account: `floor-${input.account}`,
          });
        return results.get(key);
      },
    ]),
  );
  const bundle = await workflowBundle();
  const made = await Promise.all([
    ...m.queues.map((taskQueue, i) =>
      Worker.create({
        connection: connection!,
        namespace: m.namespace,
        taskQueue,
        activities,
        ...(i === 0 ? { workflowBundle: bundle } : {}),
      }),
    ),
    Worker.create({
      connection: connection!,
      namespace: m.namespace,
      taskQueue: m.countsQueue,
      workflowBundle: bundle,
      activities: quota,
    }),
  ]);
  const running = made.map((w) => w.run());
  workers = {
    async stop() {
      made.forEach((w) => w.shutdown());
      await Promise.all(running);
    },
  };
}

process.on('message', (m: Serve | { cmd: 'stop' }) => {
  const done = m.cmd === 'serve' ? serve(m) : (workers?.stop() ?? Promise.resolve());
  done.then(
    () => send({ done: m.cmd }),
    (err: unknown) => send({ failed: String((err as Error)?.stack ?? err) }),
  );
});
process.on('disconnect', () => process.exit(0));
send({ ready: true });
