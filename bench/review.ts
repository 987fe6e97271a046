// npm run bench:review
// Webhook to completed check run for a synthetic PR of 50 changed functions in 10 files, through the
// ingress, a real Temporal dev server and worker, and the GitHub sandbox: (a) with the built-in
// reviewers, (b) with a fake Anthropic API answering after 500 ms (with prompt caching as the API does
// it). Also: tokens by kind for the first review and after a push that changes one function, and GitHub
// API calls per review (every request the sandbox received, the gate's own lookups included).
import { cpus } from 'node:os';
import { join } from 'node:path';
import { FakeAnthropic, gateAnswer, type FakeRequest } from '../test/fakes/fake-anthropic.js';
import { configDir, daemonYaml, triggerYaml } from '../test/harness/config-dir.js';
import { startStack, type Stack } from '../test/harness/stack.js';
import { addedFile, pullRequest, sha, tsFunctions } from '../test/harness/synthetic-pr.js';
import { stopTestTemporal } from '../test/harness/temporal.js';

const fake = new FakeAnthropic();
const url = await fake.start();
const slow = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Every model call is answered after 500 ms with a valid, empty review of each function it was given.
fake.respondWith(async (body) => (await slow(500), gateAnswer(body)));
/** Tokens as the fake API reported them: input (cache writes included), read from the prompt cache, output. */
const tokensOf = (reqs: FakeRequest[]) => {
  const sum = (k: string) => reqs.reduce((s, r) => s + (r.usage?.[k] ?? 0), 0);
  return {
    input: sum('input_tokens') + sum('cache_creation_input_tokens'),
    cacheRead: sum('cache_read_input_tokens'),
    output: sum('output_tokens'),
  };
};
const tokenText = (t: ReturnType<typeof tokensOf>) => `${t.input} input, ${t.cacheRead} cache-read, ${t.output} output`;

const gate = (name: string, model: string) =>
  `apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: ${name}}\nspec:\n  model: ${model}\n  max_concurrency: 8\n  billing: {default_tier: enterprise}\n`;
const dir = configDir({
  'daemon.yaml': daemonYaml(
    'webhook_secret_env: AOF_TEST_WEBHOOK_SECRET\ntoken_env: AOF_TEST_GITHUB_TOKEN',
    '  gates: {directory: gates}\n',
  ),
  'gates/g.yaml': gate('builtin', 'builtin:gate-reviewer') + '---\n' + gate('llm', 'anthropic:claude-bench'),
  'triggers/a.yaml': triggerYaml('llm', 'config:\n  repositories: ["llm/*"]\ncommands:\n  pull_request: {gate: llm}'),
  'triggers/b.yaml': triggerYaml('builtin', 'commands:\n  pull_request: {gate: builtin}'),
});
const stack: Stack = await startStack({ config: join(dir, 'daemon.yaml'), anthropicUrl: url });

/** 10 files of 5 functions; `changeOne` changes the body of one function. */
const files = (changeOne = false) =>
  Array.from({ length: 10 }, (_, i) => {
    const src = tsFunctions(5, `m${i}`);
    return addedFile(
      `src/m${i}.ts`,
      i === 0 && changeOne ? src.replace('return x + 0;', 'x = x * 2;\n  return x + 0;') : src,
    );
  });

/** The gate's own lookups before a review (was this head reviewed; the PR's head on a quick push). */
const gateLookup = /^GET .*\/(commits\/[^/]+\/check-runs|pulls\/\d+)$/;

async function review(repo: string, number: number, fs: ReturnType<typeof files>, action = 'opened') {
  const head = sha(`${repo}:${number}:${JSON.stringify(fs)}`);
  const p = pullRequest(repo, number, head, action);
  stack.sandbox.addPull(repo.split('/')[0]!, repo.split('/')[1]!, p.pull_request, fs);
  const before = stack.sandbox.requests.length;
  const started = Date.now();
  await stack.send('pull_request', p);
  for (;;) {
    const run = stack.sandbox.checkRuns.find((c) => c.head_sha === head);
    if (run?.status === 'completed' && stack.sandbox.comments.some((c) => c.body.includes(`/runs/${run.id})`))) break;
    await slow(20);
  }
  const ms = Date.now() - started;
  await slow(300); // the review workflow ends after its last write; the next push then finds the gate idle
  const requests = stack.sandbox.requests.slice(before);
  const lookups = requests.filter((q) => gateLookup.test(`${q.method} ${q.path}`)).length;
  return { ms, calls: `${requests.length} (${lookups} of them the gate's lookup)` };
}

const RUNS = 5;
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const spread = (xs: number[]) => `median ${median(xs)} ms (${Math.min(...xs)}–${Math.max(...xs)}, ${xs.length} runs)`;

const line = (k: string, v: string) => console.log(`${k.padEnd(52)} ${v}`);
console.log(
  `\nbench:review — 50 changed functions in 10 files, 4 reviewers, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}`,
);
await review('warm/up', 1, files()); // bundles, caches, JIT
const a: Awaited<ReturnType<typeof review>>[] = [];
for (let n = 0; n < RUNS; n++) a.push(await review('octo/app', 10 + n, files()));
line('(a) built-in reviewers: webhook → completed check', spread(a.map((r) => r.ms)));
line('    GitHub API calls per review', a[0]!.calls);

const b: Awaited<ReturnType<typeof review>>[] = [];
const c: Awaited<ReturnType<typeof review>>[] = [];
let firstRequests = 0;
let first = tokensOf([]);
let pushRequests = 0;
let push = tokensOf([]);
for (let n = 0; n < RUNS; n++) {
  fake.reset();
  fake.respondWith(async (body) => (await slow(500), gateAnswer(body)));
  b.push(await review('llm/app', 10 + n, files()));
  firstRequests = fake.requests.length;
  first = tokensOf(fake.requests);
  c.push(await review('llm/app', 10 + n, files(true), 'synchronize'));
  pushRequests = fake.requests.length - firstRequests;
  push = tokensOf(fake.requests.slice(firstRequests));
}
line('(b) LLM reviewers at 500 ms a call: webhook → completed', spread(b.map((r) => r.ms)));
line('    model calls, first review', `${firstRequests} (max_concurrency 8)`);
line('    tokens, first review', tokenText(first));
line('    after a push changing one function', `${spread(c.map((r) => r.ms))}, ${pushRequests} model calls`);
line(
  '    tokens, that push',
  `${tokenText(push)}; input ${((100 * push.input) / first.input).toFixed(1)}% of the first`,
);
line('    GitHub API calls per review (first / push)', `${b[0]!.calls} / ${c[0]!.calls}`);

await stack.stop();
await fake.stop();
await stopTestTemporal();
process.exit(0);
