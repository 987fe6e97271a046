// The floor of a review: the same webhook through the same ingress, workflows and Temporal server, with
// every activity answering at once what it answered in a real review (read from that review's
// histories), except the quota's reservation, which is Temporal's shape itself (an update-with-start of a
// count workflow: floor-process.ts). What is left is Temporal's share of the latency: workflow and
// activity tasks, child workflows, updates and timers, and nothing that is work (GitHub, models,
// parsing) or waiting for a rate.
import { fork } from 'node:child_process';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

/** Activity results of one phase of a review (a first review, a push), by workflow type and activity id. */
export interface Recorded {
  results: Map<string, unknown>;
  types: Set<string>;
  /** The activities the real review scheduled before its end: the floor's run ends once they ran. */
  before: Set<string>;
}

const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);

/** Reads the activities scheduled in [since, until] on `taskQueue`'s workflows, with their results. */
export async function recordActivities(client: Client, taskQueue: string, since: number, until: number) {
  const rec: Recorded = { results: new Map(), types: new Set(), before: new Set() };
  for await (const w of client.workflow.list({ query: `TaskQueue = "${taskQueue}"` })) {
    const history = await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
    const scheduled = new Map<string, { key: string; type: string; at: number }>();
    for (const e of history.events ?? []) {
      const s = e.activityTaskScheduledEventAttributes;
      if (s) {
        const key = `${w.type}:${s.activityId}`;
        scheduled.set(String(e.eventId), { key, type: s.activityType!.name!, at: ms(e.eventTime) });
      }
      const c = e.activityTaskCompletedEventAttributes;
      const done = c && scheduled.get(String(c.scheduledEventId));
      if (!done || done.at < since || done.at > until || rec.results.has(done.key)) continue;
      const payload = c.result?.payloads?.[0];
      rec.results.set(done.key, payload ? defaultPayloadConverter.fromPayload(payload as never) : undefined);
      rec.types.add(done.type);
      // Scheduled before the review's end (its last write): the floor ends once each of them ran.
      rec.before.add(done.key);
    }
  }
  return rec;
}

/**
 * Workers on `queues` whose activities answer from `recorded()` at once; `ran(key)` tells the bench which
 * ran. An activity the real review did not run answers undefined (and is reported).
 */
export async function floorWorkers(opts: {
  connection: NativeConnection;
  namespace: string;
  queues: string[];
  bundle: WorkflowBundleWithSourceMap;
  types: Iterable<string>;
  recorded: () => Recorded;
  ran: (key: string) => void;
}): Promise<{ stop(): Promise<void> }> {
  const activities = Object.fromEntries(
    [...opts.types].map((type) => [
      type,
      async () => {
        const { workflowType, activityId } = Context.current().info;
        const key = `${workflowType}:${activityId}`;
        const rec = opts.recorded();
        if (!rec.results.has(key)) console.warn(`floor: ${key} (${type}) did not run in the real review`);
        opts.ran(key);
        return rec.results.get(key);
      },
    ]),
  );
  const workers = await Promise.all(
    opts.queues.map((taskQueue, i) =>
      Worker.create({
        connection: opts.connection,
        namespace: opts.namespace,
        taskQueue,
        activities,
        ...(i === 0 ? { workflowBundle: opts.bundle } : {}),
      }),
    ),
  );
  const running = workers.map((w) => w.run());
  return {
    async stop() {
      workers.forEach((w) => w.shutdown());
      await Promise.all(running);
    },
  };
}

/**
 * Where a review's time went (BENCH_TIMELINE=1): every workflow and activity task of the workflows on
 * `taskQueues` in [since, until], as ms from `since`: scheduled, started, completed.
 */
export async function timeline(client: Client, taskQueues: string[], since: number, until: number): Promise<string[]> {
  const rows: [number, string][] = [];
  const queues = taskQueues.map((q) => `"${q}"`).join(', ');
  for await (const w of client.workflow.list({ query: `TaskQueue IN (${queues})` })) {
    const history = await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
    const open = new Map<string, { name: string; at: number; started?: number }>();
    for (const e of history.events ?? []) {
      const at = ms(e.eventTime);
      if (at < since - 50 || at > until + 50) continue;
      const id = String(e.eventId);
      const s = e.activityTaskScheduledEventAttributes;
      if (s) open.set(id, { name: `${w.type} ${s.activityType!.name}`, at });
      if (e.workflowTaskScheduledEventAttributes) open.set(id, { name: `${w.type} workflow task`, at });
      const st = e.activityTaskStartedEventAttributes ?? e.workflowTaskStartedEventAttributes;
      if (st) {
        const o = open.get(String(st.scheduledEventId));
        if (o) o.started = at;
      }
      const c = e.activityTaskCompletedEventAttributes ?? e.workflowTaskCompletedEventAttributes;
      const o = c && open.get(String(c.scheduledEventId));
      if (o)
        rows.push([
          o.at - since,
          `${String(o.at - since).padStart(5)} +${String((o.started ?? o.at) - o.at).padStart(3)} wait +${String(at - (o.started ?? o.at)).padStart(3)} run  ${o.name}`,
        ]);
    }
  }
  return rows.sort((x, y) => x[0] - y[0]).map((r) => r[1]);
}

/**
 * The floor's workers in a process of their own (floor-process.ts), as the real review's worker is:
 * `serve(rec)` makes them answer from `rec`, `ran` says which activity ran when (epoch ms).
 */
export async function floorWorkerProcess(opts: {
  address: string;
  namespace: string;
  queues: string[];
  countsQueue: string;
}) {
  const child = fork(new URL('./floor-process.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ran = new Map<string, number>();
  let waiting: { resolve: () => void; reject: (e: Error) => void } | undefined;
  const ready = new Promise<void>((resolve, reject) => (waiting = { resolve, reject }));
  child.on(
    'message',
    (m: { ready?: true; done?: string; failed?: string; ran?: string; at?: number; known?: boolean }) => {
      if (m.ran) {
        if (!m.known) console.warn(`floor: ${m.ran} did not run in the real review`);
        ran.set(m.ran, m.at!);
      } else if (m.failed) waiting?.reject(new Error(m.failed));
      else waiting?.resolve();
    },
  );
  child.on('exit', (code) => waiting?.reject(new Error(`the floor's worker process exited (${code})`)));
  await ready;
  const ask = (m: unknown) =>
    new Promise<void>((resolve, reject) => {
      waiting = { resolve, reject };
      child.send(m as never);
    });
  return {
    ran,
    async serve(rec: Recorded) {
      ran.clear();
      await ask({ cmd: 'serve', ...opts, types: [...rec.types], results: [...rec.results] });
    },
    async stop() {
      await ask({ cmd: 'stop' });
      child.disconnect();
    },
  };
}
