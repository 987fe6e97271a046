// npm run bench:scaled -- [deliveries=2000] [concurrency=16]
// Runs twice on fresh servers: with Temporal's default poll rates of the history service's queues, and
// with the ones the project sets (LOW_LATENCY_SETTINGS in src/temporal/dev-server.ts); then compares them.
// The scaled topology on one machine: one Temporal dev server, two `aofctl serve` processes on two ports
// (round-robin), three `aofctl worker` processes, the GitHub sandbox. Sends signed issues.opened
// deliveries (one issue number each: the marker of its effect) while one worker and one ingress are
// SIGKILLed and restarted, then redelivers what was refused, as GitHub's redelivery would, and checks:
// every accepted delivery has exactly one comment, every refused one got a 5xx or a failed connection,
// and after redelivery every delivery has exactly one comment.
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { BENCH_DAEMON_GITHUB, BENCH_GITHUB_LIMITS, startBackends } from './harness/backends.js';
import { example } from '../src/fixtures/webhook-examples.js';
import { agentYaml, configDir, daemonYaml, triggerYaml } from '../test/harness/config-dir.js';
import { freePort } from '../test/harness/free-port.js';
import { startIngressProcess, type IngressProcess } from '../test/harness/ingress-process.js';
import { startWorkerProcess, type WorkerProcess } from '../test/harness/worker-process.js';
import { accepted, percentile, redeliver, sendAll, type Delivery } from './scaled/load.js';

const total = Number(process.argv[2] ?? 2000);
const concurrency = Number(process.argv[3] ?? 16);
const SECRET = 'bench-webhook-secret';
const log = (msg: string) => process.stderr.write(`[bench:scaled ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// GitHub's budgets are the sandbox's (none: BENCH_GITHUB_LIMITS) and a model turn's timeout is 10 s, so
// the run stays within minutes: a SIGKILLed worker's activities are retried after their timeouts.
const dir = configDir({
  'daemon.yaml': daemonYaml(
    BENCH_DAEMON_GITHUB + '\nbot_name: aofbot\n' + BENCH_GITHUB_LIMITS,
    // One sender opens every issue: the agent-run budgets would answer most of them "over budget".
    '  server: {host: 127.0.0.1}\n  runtime: {model_turn_timeout_secs: 10, max_concurrent_tasks: 50}\n' +
      '  budgets: {per_account: 1000000, per_sender: 1000000}\n',
  ),
  'agents/a.yaml': agentYaml('helper'),
  'triggers/t.yaml': triggerYaml(
    'issues',
    'config:\n  github_events: [issues]\n  actions: [opened]\ndefault_agent: helper',
  ),
});
const config = join(dir, 'daemon.yaml');

interface Summary {
  completedPerSecond: number;
  p99: number;
}

async function run(label: string, defaultPollRates: boolean): Promise<{ ok: boolean; summary?: Summary }> {
  log('starting Temporal and the sandbox');
  const backends = await startBackends(SECRET, { defaultPollRates });
  const { temporal, sandbox, env } = backends;
  const workers: WorkerProcess[] = [];
  const ingresses: IngressProcess[] = [];
  let ok = false;
  let summary: Summary | undefined;
  try {
    for (let i = 0; i < 3; i++) {
      workers.push(await startWorkerProcess(config, env));
      log(`worker ${i + 1} started`);
    }
    const ports = [await freePort(), await freePort()];
    for (const port of ports) ingresses.push(await startIngressProcess(config, port, env));
    log(`ingresses on ${ports.join(', ')}`);

    const payload = example('issues', 'opened');
    const deliveries: Delivery[] = Array.from({ length: total }, (_, i) => {
      payload.issue.number = i + 1;
      sandbox.addIssuesOf(payload); // the issue exists on GitHub: comments on it are not 404
      return { guid: randomUUID(), event: 'issues', body: JSON.stringify(payload), marker: i + 1 };
    });
    const urls = ingresses.map((g) => g.url);

    // Crashes mid-run: a worker at 30 % of the deliveries, an ingress at 50 %; both restarted at once.
    const restarts: Promise<void>[] = [];
    const killedAt: Record<string, number> = {};
    const onSent = (i: number) => {
      if (i === Math.floor(total * 0.3)) {
        killedAt.worker = Date.now();
        restarts.push(
          workers[0]!.kill('SIGKILL').then(async () => {
            log('worker 1 SIGKILLed; restarting');
            workers[0] = await startWorkerProcess(config, env);
            log(`worker 1 back after ${((Date.now() - killedAt.worker!) / 1000).toFixed(1)} s`);
          }),
        );
      }
      if (i === Math.floor(total * 0.5)) {
        killedAt.ingress = Date.now();
        restarts.push(
          ingresses[1]!.kill('SIGKILL').then(async () => {
            log('ingress 2 SIGKILLed; restarting');
            ingresses[1] = await startIngressProcess(config, ports[1]!, env);
            log(`ingress 2 back after ${((Date.now() - killedAt.ingress!) / 1000).toFixed(1)} s`);
          }),
        );
      }
    };

    log(`sending ${total} deliveries, ${concurrency} at a time, round-robin over 2 ingresses`);
    const started = Date.now();
    const outcomes = await sendAll(deliveries, () => urls, SECRET, concurrency, onSent);
    const sentSeconds = (Date.now() - started) / 1000;
    await Promise.all(restarts);

    const acceptedIdx = outcomes.flatMap((o, i) => (accepted(o) ? [i] : []));
    const refusedIdx = outcomes.flatMap((o, i) => (accepted(o) ? [] : [i]));
    const by5xx = refusedIdx.filter((i) => outcomes[i]!.status >= 500).length;
    const byConnection = refusedIdx.filter((i) => outcomes[i]!.status === 0).length;
    const other = refusedIdx.filter((i) => outcomes[i]!.status > 0 && outcomes[i]!.status < 500);
    log(
      `sent in ${sentSeconds.toFixed(1)} s: ${acceptedIdx.length} accepted, ${by5xx} 5xx, ${byConnection} failed connections`,
    );

    // The accepted ones first: each must get exactly one comment without any redelivery.
    const comments = () => {
      const n = new Map<number, number>();
      for (const c of sandbox.comments) n.set(c.issueNumber, (n.get(c.issueNumber) ?? 0) + 1);
      return n;
    };
    const waitFor = async (markers: number[], limitMs: number) => {
      const deadline = Date.now() + limitMs;
      let at99: number | undefined;
      for (;;) {
        const n = comments();
        const done = markers.filter((m) => n.has(m)).length;
        if (at99 === undefined && done >= markers.length * 0.99) at99 = Date.now();
        if (done === markers.length || Date.now() > deadline) return { done, at99, at: Date.now() };
        await sleep(250);
      }
    };
    const acceptedDone = await waitFor(
      acceptedIdx.map((i) => deliveries[i]!.marker),
      300_000,
    );
    await sleep(3000); // a late duplicate comment would show up here
    const afterAccepted = comments();
    const acceptedOnce = acceptedIdx.filter((i) => afterAccepted.get(deliveries[i]!.marker) === 1).length;
    const unexpected = refusedIdx.filter((i) => afterAccepted.has(deliveries[i]!.marker)).length;

    // What GitHub (or the redelivery schedule) does next: send each refused delivery again, same GUID.
    let redeliveries = 0;
    for (const i of refusedIdx) redeliveries += await redeliver(urls[0]!, deliveries[i]!, SECRET);
    const allDone = await waitFor(
      deliveries.map((d) => d.marker),
      300_000,
    );
    await sleep(3000);
    const final = comments();
    const exactlyOnce = deliveries.filter((d) => final.get(d.marker) === 1).length;
    const workflows = (await temporal.client.workflow.count(`WorkflowType = 'routedEventWorkflow'`)).count;

    const acks = acceptedIdx.map((i) => outcomes[i]!.ms).sort((a, b) => a - b);
    const line = (k: string, v: string) => console.log(`${k.padEnd(44)} ${v}`);
    console.log(
      `\nbench:scaled (${label}) — ${total} deliveries, ${concurrency} concurrent, 2 ingresses, 3 workers, 1 Temporal; ${cpus().length} cores (${cpus()[0]?.model ?? '?'})`,
    );
    line('answers', JSON.stringify(Object.fromEntries(countBy(outcomes.map((o) => o.status)))));
    line('accepted / 5xx / failed connection', `${acceptedIdx.length} / ${by5xx} / ${byConnection}`);
    line('accepted deliveries per second', (acceptedIdx.length / sentSeconds).toFixed(0));
    line(
      'ack latency p50 / p99 / max (ms)',
      `${percentile(acks, 50).toFixed(0)} / ${percentile(acks, 99).toFixed(0)} / ${acks[acks.length - 1]?.toFixed(0)}`,
    );
    line(
      'accepted completed per second (99 % / all)',
      `${((acceptedIdx.length * 0.99) / (((acceptedDone.at99 ?? acceptedDone.at) - started) / 1000)).toFixed(0)} / ${(acceptedDone.done / ((acceptedDone.at - started) / 1000)).toFixed(0)}`,
    );
    line('accepted with exactly one comment', `${acceptedOnce} / ${acceptedIdx.length}`);
    // Possible and harmless: the ingress started the workflow and died before answering; the redelivery
    // finds the workflow by its GUID and adds nothing.
    line('refused yet already started (answer lost)', String(unexpected));
    line('redeliveries of refused ones (attempts)', `${refusedIdx.length} (${redeliveries})`);
    line('all deliveries with exactly one comment', `${exactlyOnce} / ${total} (comments: ${sandbox.comments.length})`);
    line('routed-event workflows', String(workflows));
    line('completed, from first send (s)', ((allDone.at - started) / 1000).toFixed(1));
    ok =
      acceptedOnce === acceptedIdx.length &&
      other.length === 0 &&
      exactlyOnce === total &&
      sandbox.comments.length === total &&
      workflows === total;
    line('every delivery had exactly one effect', ok ? 'yes' : 'NO');
    summary = {
      completedPerSecond: acceptedDone.done / ((acceptedDone.at - started) / 1000),
      p99: percentile(acks, 99),
    };
  } catch (err) {
    console.error(err);
  } finally {
    for (const p of [...ingresses, ...workers]) await p.kill('SIGKILL');
    await backends.stop();
  }
  return { ok, summary };
}

const before = await run("Temporal's default poll rates", true);
const after = await run('history.transferProcessorMaxPollRPS and timerProcessorMaxPollRPS 1000', false);
const fmt = (r: typeof before) =>
  r.summary
    ? `${r.summary.completedPerSecond.toFixed(0)} completed/s, p99 ack ${r.summary.p99.toFixed(0)} ms`
    : 'failed';
console.log('\nbench:scaled — the same run with and without the server setting');
console.log(`${"Temporal's defaults (20 polls/s)".padEnd(44)} ${fmt(before)}`);
console.log(`${'poll rates 1000/s (as the project starts it)'.padEnd(44)} ${fmt(after)}`);
process.exit(before.ok && after.ok ? 0 : 1);

function countBy<T>(xs: T[]): Map<T, number> {
  const m = new Map<T, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
}
