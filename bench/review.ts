// npm run bench:review
// Webhook to completed check run for a synthetic PR of 50 changed functions in 10 files, through the
// ingress, a real Temporal dev server and worker, and the GitHub sandbox: (a) with the built-in
// reviewers, (b) with a fake Anthropic API answering after 500 ms. Also: tokens sent for the first review
// and after a push that changes one function, and GitHub API calls per review.
import { cpus } from 'node:os';
import { join } from 'node:path';
import { FakeAnthropic, text } from '../test/fakes/fake-anthropic.js';
import { configDir, daemonYaml, triggerYaml } from '../test/harness/config-dir.js';
import { startStack, type Stack } from '../test/harness/stack.js';
import { addedFile, pullRequest, sha, tsFunctions } from '../test/harness/synthetic-pr.js';
import { stopTestTemporal } from '../test/harness/temporal.js';

const fake = new FakeAnthropic();
const url = await fake.start();
const slow = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Every model call is answered after 500 ms with a valid, empty review.
fake.respondWith(() => text('{"score": 90, "findings": []}'));
const delayedAnswers = (n: number) => {
  for (let i = 0; i < n; i++) fake.script(async () => (await slow(500), text('{"score": 90, "findings": []}')));
};
/** Tokens sent, as the fake counts them (characters / 4 of system prompt and messages). */
const tokensOf = (reqs: { body: any }[]) =>
  reqs.reduce(
    (s, r) => s + Math.ceil(JSON.stringify(r.body.messages).length / 4) + Math.ceil(r.body.system.length / 4),
    0,
  );

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
  return { ms: Date.now() - started, calls: stack.sandbox.requests.length - before };
}

const line = (k: string, v: string) => console.log(`${k.padEnd(52)} ${v}`);
console.log(
  `\nbench:review — 50 changed functions in 10 files, 4 reviewers, ${cpus().length} cores (${cpus()[0]?.model ?? '?'})`,
);
await review('warm/up', 1, files()); // bundles, caches, JIT
const a = await review('octo/app', 2, files());
line('(a) built-in reviewers: webhook → completed check', `${a.ms} ms`);
line('    GitHub API calls per review', String(a.calls));

delayedAnswers(400);
const b = await review('llm/app', 3, files());
const firstRequests = fake.requests.length;
const firstTokens = tokensOf(fake.requests);
line(
  '(b) LLM reviewers at 500 ms a call: webhook → completed',
  `${b.ms} ms (${firstRequests} model calls, 8 at a time)`,
);
line('    tokens sent, first review (≈ chars/4)', String(firstTokens));
const c = await review('llm/app', 3, files(true), 'synchronize');
const pushRequests = fake.requests.length - firstRequests;
const pushTokens = tokensOf(fake.requests.slice(firstRequests));
line('    after a push changing one function', `${c.ms} ms, ${pushRequests} model calls, ${pushTokens} tokens`);
line('    GitHub API calls per review (first / push)', `${b.calls} / ${c.calls}`);

await stack.stop();
await fake.stop();
await stopTestTemporal();
process.exit(0);
