// npm run chaos -- [gates=12] [agents=24] [deploys=6] [kills=20] [faultRate=0.2] [seed]
// Chaos: a real ingress process, two `aofctl worker` processes, one Temporal dev server and the GitHub
// sandbox. It drives a mix of gate reviews (pull requests of a few functions, built-in reviewers), agent
// runs (issue comments to an agent with a tool, against a fake Anthropic API) and deploy flows (`/deploy
// production`, then `/approve`, against a deploy hook that records idempotency keys), while:
//  - a worker is SIGKILLed at a random moment, at least `kills` times, and restarted each time;
//  - the sandbox performs every write and then fails `faultRate` of the answers (a 500 or a reset).
// Once all work is complete and a quiet period shows no late write, it checks: exactly one agent reply
// per delivery; one check run per (head, name) and one gate comment per PR; per deploy request one plan
// comment, one result comment and one deploy (by idempotency key and by count). Exit 1 on any violation.
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { BENCH_DAEMON_GITHUB, BENCH_GITHUB_LIMITS, startBackends } from './harness/backends.js';
import { send, type Delivery } from './scaled/load.js';
import { example, retarget } from '../src/fixtures/webhook-examples.js';
import { rendered } from '../src/sandbox/github/server.js';
import { FakeAnthropic, text, toolUse } from '../test/fakes/fake-anthropic.js';
import { configDir, daemonYaml, triggerYaml } from '../test/harness/config-dir.js';
import { freePort } from '../test/harness/free-port.js';
import { startIngressProcess, type IngressProcess } from '../test/harness/ingress-process.js';
import { addedFile, pullRequest, sha, tsFunctions } from '../test/harness/synthetic-pr.js';
import { startWorkerProcess, type WorkerProcess } from '../test/harness/worker-process.js';

const [gates, agents, deploys, kills] = [12, 24, 6, 20].map((d, i) => Number(process.argv[2 + i] ?? d)) as [
  number,
  number,
  number,
  number,
];
const faultRate = Number(process.argv[6] ?? 0.2);
// A small seeded generator (mulberry32): the schedule of kills and sends can be replayed by its seed.
const seed = Number(process.argv[7] ?? Date.now() % 1_000_000);
let state = seed >>> 0;
const random = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const between = (lo: number, hi: number) => lo + random() * (hi - lo);

const SECRET = 'chaos-webhook-secret';
const OWNER = 'chaos';
const started = Date.now();
const log = (msg: string) =>
  process.stderr.write(`[chaos ${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// The model's answers: a comment through the tool first, then the final answer (which updates that
// comment in place); each after a random 0.2-1.5 s, so kills land in the middle of turns.
const fake = new FakeAnthropic();
fake.respondWith(async (body) => {
  await sleep(200 + Math.random() * 1300);
  return body.messages.length === 1 ? toolUse('github_post_comment', { body: 'On it.' }) : text('Done.');
});
const anthropicUrl = await fake.start();

const dir = configDir({
  'daemon.yaml': daemonYaml(
    // The sandbox has none of GitHub's budgets (BENCH_GITHUB_LIMITS): over 80 writes a minute the pacer
    // would hold the run's writes, which is GitHub's pace, not a failure this run looks for.
    BENCH_DAEMON_GITHUB + '\nbot_name: aofbot\nrequests_per_second: 100\n' + BENCH_GITHUB_LIMITS,
    '  gates: {directory: gates}\n  flows: {directory: flows}\n' +
      '  runtime: {model_turn_timeout_secs: 5, max_concurrent_tasks: 20}\n',
  ),
  'agents/a.yaml':
    'apiVersion: aof.dev/v1\nkind: Agent\nmetadata: {name: helper}\nspec:\n  model: anthropic:claude-test\n  tools: [github_post_comment]\n',
  'gates/g.yaml': 'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: afa}\nspec:\n  title: AFA\n',
  'flows/f.yaml':
    'apiVersion: aof.dev/v1\nkind: AgentFlow\nmetadata: {name: deploy}\nspec:\n  nodes:\n' +
    '    - {id: start, type: approval}\n' +
    '    - {id: deploy, type: http, config: {url: "${AOF_CHAOS_DEPLOY_HOOK}/${event.environment}", method: POST}}\n' +
    '    - {id: done, type: end, config: {status: deployed}}\n' +
    '    - {id: refused, type: end, config: {status: not deployed}}\n' +
    '  connections:\n' +
    '    - {from: start, to: deploy, when: "start.output == \'approved\'"}\n' +
    '    - {from: start, to: refused}\n' +
    '    - {from: deploy, to: done}\n',
  'triggers/agents.yaml': triggerYaml(
    'agents',
    `config:\n  repositories: ["${OWNER}/agents"]\n  github_events: [issue_comment]\n  actions: [created]\ndefault_agent: helper`,
  ),
  'triggers/gates.yaml': triggerYaml(
    'gates',
    `config:\n  repositories: ["${OWNER}/gates"]\n  github_events: [pull_request]\ncommands:\n  pull_request.opened: {gate: afa}`,
  ),
  'triggers/deploys.yaml': triggerYaml(
    'deploys',
    `config:\n  repositories: ["${OWNER}/deploy-*"]\n  github_events: [issue_comment]\ncommands:\n  /deploy production: {flow: deploy, params: {approvers: [alice], environment: production}}`,
  ),
});
const config = join(dir, 'daemon.yaml');

log(`seed ${seed}; starting Temporal and the sandbox`);
const backends = await startBackends(SECRET);
const { temporal, sandbox } = backends;
const env = {
  ...backends.env,
  ANTHROPIC_API_KEY: 'sk-ant-chaos',
  ANTHROPIC_BASE_URL: anthropicUrl,
  AOF_CHAOS_DEPLOY_HOOK: `${sandbox.url}/_sandbox/deploy`,
};
// Every write is performed; a fifth of the answers then fail. GraphQL is a POST but reads.
sandbox.failAfterCommitRate(faultRate, /^(POST|PATCH|PUT|DELETE) (?!\/graphql$)/, random);

const workers: WorkerProcess[] = [];
let ingress: IngressProcess | undefined;
const violations: string[] = [];
const figures: [string, string][] = [];
let redeliveries = 0;
let deliveries = 0;
try {
  for (let i = 0; i < 2; i++) workers.push(await startWorkerProcess(config, env));
  ingress = await startIngressProcess(config, await freePort(), env);
  log('2 workers and an ingress started');

  /** Sends a delivery until it is accepted, as GitHub's redelivery would (same GUID). */
  const deliver = async (event: string, payload: Record<string, unknown>) => {
    const d: Delivery = { guid: randomUUID(), event, body: JSON.stringify(payload), marker: 0 };
    sandbox.addIssuesOf(payload); // the issue or pull request exists on GitHub: comments on it are not 404
    deliveries++;
    for (let attempt = 0; ; attempt++) {
      const o = await send(ingress!.url, d, SECRET);
      if (o.status >= 200 && o.status < 300) return o.status;
      if (o.status >= 400 && o.status < 500) throw new Error(`${event} refused with ${o.status}`);
      redeliveries++;
      if (attempt > 30) throw new Error(`${event} not accepted after 30 redeliveries`);
      await sleep(1000);
    }
  };
  const comment = (repo: string, number: number, body: string, login: string, onPull: boolean) => {
    const c = retarget(example('issue_comment', 'created'), `${OWNER}/${repo}`);
    c.issue.number = number;
    if (onPull) c.issue.pull_request = { url: 'x', html_url: 'y' };
    else delete c.issue.pull_request;
    c.comment.body = body;
    c.comment.id = Math.floor(random() * 1e9);
    c.comment.user.login = login;
    c.sender.login = login;
    return c;
  };

  // The work, as tasks started at random moments over the run: each is one delivery (or two, a deploy).
  const gateHeads = new Map<number, string>();
  const gateTask = (n: number) => async () => {
    const files = [
      addedFile(`src/m${n}.ts`, tsFunctions(3 + (n % 4), `g${n}`)),
      addedFile(`lib/u${n}.ts`, `export function u${n}(s: string) {\n  return s.trim();\n}\n`),
    ];
    const head = sha(`chaos gate ${seed} ${n}`);
    gateHeads.set(n, head);
    const p = pullRequest(`${OWNER}/gates`, n, head, 'opened');
    sandbox.addPull(OWNER, 'gates', p.pull_request, files);
    await deliver('pull_request', p);
  };
  // Each from its own sender: one sender's budget is 20 agent runs an hour (spec.budgets.per_sender).
  const agentTask = (n: number) => () =>
    deliver('issue_comment', comment('agents', n, `Could you look at this, please? (${n})`, `dev-${n}`, false));
  const deployTask = (n: number) => async () => {
    const repo = `deploy-${n}`;
    const pr = example('pull_request', 'opened').pull_request;
    sandbox.addPull(OWNER, repo, { ...pr, number: 1, head: { ...pr.head, sha: sha(`chaos deploy ${seed} ${n}`) } });
    sandbox.permissions.set(`${OWNER}/${repo}:alice`, 'admin');
    await deliver('issue_comment', comment(repo, 1, '/deploy production', 'carol', true));
    await until(
      () => sandbox.commentsOn(OWNER, repo, 1).some((c) => c.body.includes('Deploy to `production` requested')),
      `the plan comment of ${repo}`,
    );
    await sleep(between(0, 3000));
    await deliver('issue_comment', comment(repo, 1, '/approve', 'alice', true));
  };
  const tasks: (() => Promise<unknown>)[] = [
    ...Array.from({ length: gates }, (_, i) => gateTask(i + 1)),
    ...Array.from({ length: agents }, (_, i) => agentTask(i + 1)),
    ...Array.from({ length: deploys }, (_, i) => deployTask(i + 1)),
  ].sort(() => random() - 0.5);

  // Kills: a random worker at a random moment, restarted at once; the sends are spread over the kills.
  let killed = 0;
  const running: Promise<unknown>[] = [];
  const perKill = Math.ceil(tasks.length / kills);
  while (killed < kills) {
    for (const t of tasks.splice(0, perKill)) running.push(sleep(between(0, 2000)).then(() => t()));
    await sleep(between(500, 3000));
    const w = Math.floor(random() * workers.length);
    await workers[w]!.kill('SIGKILL');
    killed++;
    log(`kill ${killed}: worker ${w + 1} SIGKILLed; restarting`);
    workers[w] = await startWorkerProcess(config, env);
  }
  for (const t of tasks.splice(0)) running.push(t());
  await Promise.all(running);
  const sentAt = Date.now();
  log(`${deliveries} deliveries accepted; ${killed} kills; waiting for all work to complete`);

  // Complete: every agent answered, every gate head reviewed and commented, every deploy reported.
  const gateRuns = (n: number) =>
    sandbox.checkRuns.filter((c) => c.repo === 'gates' && c.head_sha === gateHeads.get(n) && c.name.includes('AFA'));
  const gateComments = (n: number) =>
    sandbox.commentsOn(OWNER, 'gates', n).filter((c) => c.body.startsWith('<!-- aof-gate-check -->'));
  const agentDone = (n: number) => sandbox.commentsOn(OWNER, 'agents', n).some((c) => rendered(c.body) === 'Done.');
  const gateDone = (n: number) =>
    gateRuns(n).some((r) => r.status === 'completed' && gateComments(n).some((c) => c.body.includes(`/runs/${r.id})`)));
  const deployResult = (n: number) =>
    sandbox.commentsOn(OWNER, `deploy-${n}`, 1).filter((c) => c.body.startsWith('### Flow `deploy` for `production`'));
  const pending = () => [
    ...range(agents)
      .filter((n) => !agentDone(n))
      .map((n) => `agent #${n}`),
    ...range(gates)
      .filter((n) => !gateDone(n))
      .map((n) => `gate #${n}`),
    ...range(deploys)
      .filter((n) => deployResult(n).length === 0)
      .map((n) => `deploy-${n}`),
  ];
  try {
    await until(
      () => pending().length === 0,
      'all work',
      300_000,
      () => log(`pending: ${pending().join(', ')}`),
    );
  } catch (err) {
    // What the stuck work shows: its comments, and every workflow that did not complete.
    for (const p of pending()) {
      const [repo, n] = p.startsWith('agent')
        ? ['agents', Number(p.slice(7))]
        : p.startsWith('gate')
          ? ['gates', Number(p.slice(6))]
          : [p, 1];
      const cs = sandbox.commentsOn(OWNER, repo, n).map((c) => JSON.stringify(c.body.slice(0, 200)));
      log(`${p}: comments ${cs.join(' | ') || 'none'}`);
    }
    for await (const w of temporal.client.workflow.list({ query: `ExecutionStatus != 'Completed'` }))
      log(`workflow ${w.workflowId} (${w.type}): ${w.status.name}`);
    throw err;
  }
  const completedAt = Date.now();
  log('all work complete; a quiet period for late writes');
  await sleep(15_000); // longer than a GitHub activity's heartbeat timeout: a lost call's retry shows here

  // The checks.
  const expect = (ok: boolean, what: string) => void (ok || violations.push(what));
  for (const n of range(agents)) {
    const cs = sandbox.commentsOn(OWNER, 'agents', n);
    expect(cs.length === 1, `agent #${n}: ${cs.length} comments`);
    expect(
      cs.every((c) => rendered(c.body) === 'Done.'),
      `agent #${n}: reply ${cs.map((c) => c.body).join(' | ')}`,
    );
  }
  const perCheck = new Map<string, number>();
  for (const c of sandbox.checkRuns) {
    const k = `${c.repo}@${c.head_sha.slice(0, 7)}:${c.name}`;
    perCheck.set(k, (perCheck.get(k) ?? 0) + 1);
  }
  for (const [k, count] of perCheck) expect(count === 1, `${count} check runs for ${k}`);
  for (const n of range(gates)) {
    expect(gateRuns(n).length === 1, `gate #${n}: ${gateRuns(n).length} check runs`);
    expect(gateComments(n).length === 1, `gate #${n}: ${gateComments(n).length} gate comments`);
    expect(
      sandbox.commentsOn(OWNER, 'gates', n).length === 1,
      `gate #${n}: ${sandbox.commentsOn(OWNER, 'gates', n).length} comments`,
    );
  }
  for (const n of range(deploys)) {
    const cs = sandbox.commentsOn(OWNER, `deploy-${n}`, 1);
    const plans = cs.filter((c) => c.body.includes('Deploy to `production` requested')).length;
    expect(plans === 1, `deploy-${n}: ${plans} plan comments`);
    expect(deployResult(n).length === 1, `deploy-${n}: ${deployResult(n).length} result comments`);
    expect(
      deployResult(n).every((c) => c.body.startsWith('### Flow `deploy` for `production`: deployed')),
      `deploy-${n}: ${deployResult(n)[0]?.body.split('\n')[0]}`,
    );
    expect(cs.length === 2, `deploy-${n}: ${cs.length} comments (plan and result expected)`);
  }
  const keys = new Set(sandbox.deploys.map((d) => d.key));
  const hookCalls = sandbox.requests.filter((q) => q.method === 'POST' && q.path.startsWith('/_sandbox/deploy/'));
  expect(sandbox.deploys.length === deploys, `${sandbox.deploys.length} deploys for ${deploys} approvals`);
  expect(keys.size === deploys, `${keys.size} idempotency keys for ${deploys} approvals`);
  const workflows = (await temporal.client.workflow.count()).count;
  const failed = (await temporal.client.workflow.count(`ExecutionStatus = 'Failed'`)).count;
  expect(failed === 0, `${failed} failed workflows`);

  const writes = sandbox.requests.filter((q) => q.method !== 'GET' && q.path !== '/graphql').length;
  figures.push(
    ['machine', `${cpus().length} cores (${cpus()[0]?.model ?? '?'})`],
    ['seed', String(seed)],
    ['work', `${gates} gate reviews, ${agents} agent runs, ${deploys} deploy flows`],
    ['deliveries (accepted) / redelivered', `${deliveries} / ${redeliveries}`],
    ['worker SIGKILLs (each restarted)', String(killed)],
    [
      'GitHub writes / failed after commit',
      `${writes} / ${sandbox.afterCommitFaults} (${((100 * sandbox.afterCommitFaults) / Math.max(1, writes)).toFixed(0)} %)`,
    ],
    ['model requests', String(fake.requests.length)],
    [
      'agent replies / gate check runs / gate comments',
      [
        sum(range(agents).map((n) => sandbox.commentsOn(OWNER, 'agents', n).length)),
        sum(range(gates).map((n) => gateRuns(n).length)),
        sum(range(gates).map((n) => gateComments(n).length)),
      ].join(' / '),
    ],
    ['deploys / idempotency keys / hook calls', `${sandbox.deploys.length} / ${keys.size} / ${hookCalls.length}`],
    ['workflows (failed)', `${workflows} (${failed})`],
    ['all sent after (s)', ((sentAt - started) / 1000).toFixed(1)],
    ['all complete after (s)', ((completedAt - started) / 1000).toFixed(1)],
    ['violations', String(violations.length)],
  );
} catch (err) {
  violations.push(`the run failed: ${(err as Error).stack ?? err}`);
} finally {
  await ingress?.kill('SIGKILL');
  for (const w of workers) await w.kill('SIGKILL');
  await backends.stop();
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
}

console.log(`\nchaos — ${new Date().toISOString()}`);
for (const [k, v] of figures) console.log(`${k.padEnd(50)} ${v}`);
for (const v of violations) console.log(`VIOLATION: ${v}`);
console.log(violations.length ? `\n${violations.length} violation(s)` : '\nno violations');
process.exit(violations.length ? 1 : 0);

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

async function until(pred: () => boolean, what: string, limitMs = 300_000, progress?: () => void) {
  const deadline = Date.now() + limitMs;
  let lastReport = Date.now();
  while (!pred()) {
    if (Date.now() > deadline) {
      progress?.();
      throw new Error(`timed out waiting for ${what}`);
    }
    if (progress && Date.now() - lastReport > 15_000) {
      progress();
      lastReport = Date.now();
    }
    await sleep(250);
  }
}
