// `aofctl serve` and `aofctl worker` as separate processes, as deployed: the worker waits for a Temporal
// that is not there yet instead of exiting; after one delivery both /metrics endpoints show it, and one
// trace runs from the webhook through the workflow to its activities (sent to a local OTLP collector).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { example } from '../../src/fixtures/webhook-examples.js';
import { sign } from '../../src/ingress/signature.js';
import { GitHubSandbox } from '../../src/sandbox/github/server.js';
import { agentYaml, configDir, daemonYaml, triggerYaml } from '../harness/config-dir.js';
import { freePort } from '../harness/free-port.js';
import { tcpProxy, type TcpProxy } from '../harness/tcp-proxy.js';
import { testTemporal } from '../harness/temporal.js';
import { until } from '../harness/until.js';

const bin = resolve(import.meta.dirname, '../../bin/aofctl.js');
const SECRET = 'observability-secret';

interface Proc {
  child: ChildProcess;
  out: () => string;
  waitFor(re: RegExp, ms?: number): Promise<void>;
}

function start(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return {
    child,
    out: () => out,
    waitFor: (re, ms = 60_000) =>
      new Promise((resolveSeen, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${re} in ${ms} ms:\n${out}`)), ms);
        const check = () => {
          if (re.test(out)) {
            clearTimeout(timer);
            resolveSeen();
          }
        };
        child.stdout!.on('data', check);
        child.stderr!.on('data', check);
        child.once('exit', (code) => reject(new Error(`exited with ${code} before ${re}:\n${out}`)));
        check();
      }),
  };
}

/** Receives OTLP/HTTP JSON trace exports, as a collector would. */
async function fakeCollector(): Promise<{
  url: string;
  spans: { name: string; traceId: string; service: string }[];
  server: Server;
}> {
  const spans: { name: string; traceId: string; service: string }[] = [];
  const server = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      for (const rs of JSON.parse(body).resourceSpans ?? []) {
        const service = rs.resource?.attributes?.find((a: any) => a.key === 'service.name')?.value?.stringValue;
        for (const ss of rs.scopeSpans ?? [])
          for (const s of ss.spans ?? []) spans.push({ name: s.name, traceId: s.traceId, service });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, server };
}

/** The value of one sample in a Prometheus text exposition, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('production processes: waiting for Temporal, metrics and traces', function () {
  this.timeout(120_000);
  const sandbox = new GitHubSandbox();
  const procs: Proc[] = [];
  let proxy: TcpProxy | undefined;
  let collector: Awaited<ReturnType<typeof fakeCollector>>;
  let dir: string;

  after(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await proxy?.close();
    collector?.server.close();
    await sandbox.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the worker waits for Temporal, then both endpoints count a delivery and one trace spans it', async () => {
    const temporal = await testTemporal();
    const sandboxUrl = await sandbox.start();
    collector = await fakeCollector();
    dir = configDir({
      'daemon.yaml': daemonYaml('webhook_secret_env: AOF_OBS_SECRET\ntoken_env: AOF_OBS_TOKEN'),
      'agents/a.yaml': agentYaml('helper'),
      'triggers/t.yaml': triggerYaml('issues', 'config:\n  github_events: [issues]\ndefault_agent: helper'),
    });
    const [temporalPort, ingressPort, workerMetricsPort, sdkMetricsPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const id = randomUUID().slice(0, 8);
    const env = {
      TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
      AOF_TASK_QUEUE: `aof-obs-${id}`,
      AOF_GITHUB_TASK_QUEUE: `aof-obs-github-${id}`,
      GITHUB_API_URL: sandboxUrl,
      AOF_OBS_SECRET: SECRET,
      AOF_OBS_TOKEN: 'ghs_test_installation_token',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };

    // Nothing listens on the Temporal address yet: the worker must log and keep trying.
    const worker = start(['worker', '--config', join(dir, 'daemon.yaml')], {
      ...env,
      AOF_METRICS_PORT: String(workerMetricsPort),
      AOF_SDK_METRICS_PORT: String(sdkMetricsPort),
    });
    procs.push(worker);
    await worker.waitFor(/waiting for Temporal at 127\.0\.0\.1:\d+.*"attempt":2|"attempt":2.*waiting for Temporal/);
    assert.equal(worker.child.exitCode, null, 'the worker is still running');
    const notReady = await fetch(`http://127.0.0.1:${workerMetricsPort}/ready`);
    assert.equal(notReady.status, 503);

    // Temporal "comes up": a TCP proxy on that address to the test's server.
    proxy = await tcpProxy(temporal.address, temporalPort);
    await worker.waitFor(/"worker started"/);
    assert.match(worker.out(), /connected to Temporal/);
    assert.equal((await fetch(`http://127.0.0.1:${workerMetricsPort}/ready`)).status, 200);

    const ingress = start(['serve', '--config', join(dir, 'daemon.yaml')], { ...env, AOF_PORT: String(ingressPort) });
    procs.push(ingress);
    await ingress.waitFor(/ingress listening/);
    const base = `http://127.0.0.1:${ingressPort}`;
    await until('ingress ready', async () => (await fetch(`${base}/ready`)).ok);

    const body = JSON.stringify(example('issues', 'opened'));
    sandbox.addIssuesOf(JSON.parse(body)); // the issue exists on GitHub: the agent's comment is not 404
    const res = await fetch(`${base}/webhook/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'issues',
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': sign(SECRET, body),
      },
      body,
    });
    assert.equal(res.status, 201, await res.text());
    const bad = await fetch(`${base}/webhook/github`, {
      method: 'POST',
      headers: { 'x-github-event': 'issues', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': 'sha256=00' },
      body,
    });
    assert.equal(bad.status, 401);
    await until('the agent comment', () => sandbox.comments.length === 1);

    const ingressMetrics = await (await fetch(`${base}/metrics`)).text();
    assert.equal(sample(ingressMetrics, 'aof_webhook_deliveries_total', { event: 'issues', status: '201' }), 1);
    assert.equal(sample(ingressMetrics, 'aof_webhook_deliveries_total', { event: 'unverified', status: '401' }), 1);
    assert.equal(sample(ingressMetrics, 'aof_webhook_routing_total', { event: 'issues', outcome: 'started' }), 1);
    assert.equal(sample(ingressMetrics, 'aof_webhook_ack_seconds_count', { event: 'issues' }), 1);
    assert.ok(sample(ingressMetrics, 'process_cpu_user_seconds_total', {}) !== undefined, 'process metrics');

    let workerMetrics = '';
    await until('worker metrics', async () => {
      workerMetrics = await (await fetch(`http://127.0.0.1:${workerMetricsPort}/metrics`)).text();
      return (
        (sample(workerMetrics, 'aof_github_requests_total', {
          method: 'POST',
          route: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
          status: '201',
        }) ?? 0) >= 1
      );
    });
    assert.ok(
      (sample(workerMetrics, 'aof_activity_executions_total', { activity: 'modelTurn', outcome: 'completed' }) ?? 0) >=
        1,
    );
    assert.ok(
      (sample(workerMetrics, 'aof_activity_executions_total', {
        task_queue: env.AOF_GITHUB_TASK_QUEUE,
        outcome: 'completed',
      }) ?? 0) >= 1,
    );
    assert.equal(sample(workerMetrics, 'aof_github_rate_limit_remaining', { resource: 'core' }), 4999);
    assert.ok(
      (sample(workerMetrics, 'aof_model_tokens_total', { provider: 'builtin', model: 'assistant', kind: 'output' }) ??
        0) > 0,
    );
    // The Temporal SDK core's own runtime metrics, served through the same endpoint.
    assert.match(workerMetrics, /^temporal_\w+/m);

    // One trace: the ingress's webhook span, the workflow start, the workflow run and its activities.
    let trace: typeof collector.spans = [];
    await until('the trace', () => {
      const root = collector.spans.find((s) => s.name === 'webhook issues');
      trace = root ? collector.spans.filter((s) => s.traceId === root.traceId) : [];
      return (
        trace.some((s) => s.name === 'RunActivity:modelTurn') &&
        trace.some((s) => s.name.startsWith('RunWorkflow:')) &&
        trace.some(
          (s) =>
            s.name.startsWith('RunActivity:') &&
            s.service === 'aof-temporal-worker' &&
            s.name !== 'RunActivity:modelTurn',
        )
      );
    });
    assert.ok(
      trace.some((s) => s.name.startsWith('StartWorkflow:') && s.service === 'aof-temporal-ingress'),
      trace.map((s) => s.name).join(', '),
    );
  });
});
