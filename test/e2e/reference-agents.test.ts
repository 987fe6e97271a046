// The AOF reference's own example agents, as written (google:gemini-2.5-flash), run against a fake
// Gemini API; an openai: agent on its own server (a vLLM/Ollama-style base URL and key variable); an
// agent whose provider has no key falls back to its offline model; a gate reviewer on a Gemini model.
import { rendered } from '../../src/sandbox/github/server.js';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { example } from '../../src/fixtures/webhook-examples.js';
import { calls, FakeGoogle, say } from '../fakes/fake-google.js';
import { FakeOpenAI, reply } from '../fakes/fake-openai.js';
import { daemonYaml, triggerYaml, GITHUB_TEST_PLATFORM } from '../harness/config-dir.js';
import { startStackFor, type Stack } from '../harness/stack.js';
import { addedFile, pullRequest, sha } from '../harness/synthetic-pr.js';

const reference = (file: string) =>
  readFileSync(resolve(import.meta.dirname, '../fixtures/reference/agents', file), 'utf8');
const GOOGLE_KEY = 'AIzaTest-reference-key';
const VLLM_KEY = 'vllm-test-key-1234';

/** The example payload, moved to another repository (triggers pick agents by repository here). */
const inRepo = <T extends Record<string, any>>(payload: T, fullName: string): T => {
  const [owner, name] = fullName.split('/');
  return {
    ...payload,
    repository: {
      ...payload.repository,
      full_name: fullName,
      name,
      owner: { ...payload.repository.owner, login: owner },
    },
  };
};

describe('the reference example agents and other providers, as configured', function () {
  this.timeout(120_000);
  const gemini = new FakeGoogle();
  const vllm = new FakeOpenAI();
  let stack: Stack;
  before(async () => {
    const geminiUrl = await gemini.start();
    const vllmUrl = await vllm.start();
    stack = await startStackFor(
      {
        'daemon.yaml': daemonYaml(GITHUB_TEST_PLATFORM, '  gates: {directory: gates}\n'),
        'agents/issue-triager.yaml': reference('issue-triager.yaml'),
        'agents/code-reviewer.yaml': reference('code-reviewer.yaml'),
        'agents/local.yaml': `apiVersion: aof.dev/v1\nkind: Agent\nmetadata: {name: local}\nspec:\n  model: "openai:llama3.1:8b"\n  base_url: ${vllmUrl}/v1\n  api_key_env: AOF_TEST_VLLM_KEY\n  instructions: Answer briefly.\n`,
        'agents/offline.yaml':
          'apiVersion: aof.dev/v1\nkind: Agent\nmetadata: {name: offline}\nspec:\n  model: openai:gpt-4o\n  offline_model: builtin:assistant\n',
        'gates/g.yaml':
          'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: gemini-gate}\nspec:\n  model: google:gemini-test\n  reviewers: [security]\n',
        'triggers/a.yaml': triggerYaml(
          'reference',
          'config:\n  repositories: [Codertocat/*]\ncommands:\n  issues.opened: {agent: issue-triager}\n  pull_request.opened: {agent: code-reviewer}',
        ),
        'triggers/b.yaml': triggerYaml('local', 'config:\n  repositories: [local-org/*]\ndefault_agent: local'),
        'triggers/c.yaml': triggerYaml('offline', 'config:\n  repositories: [offline-org/*]\ndefault_agent: offline'),
        'triggers/d.yaml': triggerYaml(
          'gate',
          'config:\n  repositories: [gate-org/*]\ncommands:\n  pull_request.opened: {gate: gemini-gate}',
        ),
      },
      {
        providers: { google: { apiKey: GOOGLE_KEY, baseURL: geminiUrl } },
        env: () => ({ AOF_TEST_VLLM_KEY: VLLM_KEY }),
      },
    );
  });
  after(async () => {
    await stack?.stop();
    await gemini.stop();
    await vllm.stop();
  });
  beforeEach(() => {
    gemini.reset();
    vllm.reset();
    stack.sandbox.reset();
  });

  const finish = async (event: string, payload: unknown) => {
    const r = await stack.send(event, payload);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return stack.client.workflow.getHandle(r.body.workflowId).result();
  };

  it('issue-triager (google:gemini-2.5-flash) labels the issue and comments', async () => {
    gemini.script(
      calls(['github_add_labels', { labels: ['documentation', 'priority:low'] }]),
      say('Labelled: a documentation fix.'),
    );
    const p = example('issues', 'opened');
    await finish('issues', p);
    assert.equal(gemini.requests[0]!.url, '/v1beta/models/gemini-2.5-flash:generateContent');
    assert.match(
      gemini.requests[0]!.body.systemInstruction.parts[0].text,
      new RegExp(`^Analyze issue #${p.issue.number} and:`),
    );
    assert.deepEqual(
      [...stack.sandbox.labels.get(`${p.repository.full_name}#${p.issue.number}`)!],
      ['documentation', 'priority:low'],
    );
    assert.deepEqual(
      stack.sandbox.comments.map((c) => rendered(c.body)),
      ['Labelled: a documentation fix.'],
    );
  });

  it('code-reviewer (google:gemini-2.5-flash) submits a review of the pull request', async () => {
    gemini.script(
      calls(['github_post_review', { event: 'COMMENT', body: 'Looks reasonable; add a test.' }]),
      say('Reviewed.'),
    );
    const p = stack.withPull(example('pull_request', 'opened'));
    await finish('pull_request', p);
    assert.match(
      gemini.requests[0]!.body.systemInstruction.parts[0].text,
      new RegExp(`^Review PR #${p.number} in ${p.repository.full_name}\\.`),
    );
    assert.deepEqual(
      stack.sandbox.reviews.map((r) => [r.event, rendered(r.body)]),
      [['COMMENT', 'Looks reasonable; add a test.']],
    );
  });

  it('an openai: agent talks to its own OpenAI-compatible server with its own key variable', async () => {
    vllm.script(reply('Hello from llama.'));
    await finish('issues', inRepo(example('issues', 'opened'), 'local-org/app'));
    assert.equal(vllm.requests.length, 1);
    assert.equal(vllm.requests[0]!.headers.authorization, `Bearer ${VLLM_KEY}`);
    assert.equal(vllm.requests[0]!.body.model, 'llama3.1:8b');
    assert.equal(gemini.requests.length, 0);
    assert.deepEqual(
      stack.sandbox.comments.map((c) => rendered(c.body)),
      ['Hello from llama.'],
    );
  });

  it('an agent whose provider has no key answers with its offline model', async () => {
    const result = await finish('issues', inRepo(example('issues', 'opened'), 'offline-org/app'));
    assert.equal(vllm.requests.length + gemini.requests.length, 0);
    assert.match(stack.sandbox.comments[0]!.body, /built-in offline assistant/);
    assert.ok(result.agent.usage.input_tokens > 0, 'the offline model reports usage too');
  });

  it("a gate reviewer on a Gemini model: findings on the check run, its tokens in the gate's comment", async () => {
    gemini.respondWith(() => ({
      parts: [
        {
          text: '{"score": 40, "findings": [{"severity": "critical", "line": 2, "message": "Command injection", "suggestion": "use execFile"}]}',
        },
      ],
      usage: { promptTokenCount: 300, cachedContentTokenCount: 100, candidatesTokenCount: 50 },
    }));
    const head = sha('gate-org/api#7');
    const p = pullRequest('gate-org/api', 7, head);
    stack.sandbox.addPull('gate-org', 'api', p.pull_request, [
      addedFile('src/run.ts', 'export function run(cmd: string) {\n  return exec("sh -c " + cmd);\n}\n'),
    ]);
    const r = await stack.send('pull_request', p);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    let run;
    for (let i = 0; i < 300 && !(run?.status === 'completed' && stack.sandbox.comments.length); i++) {
      await new Promise((res) => setTimeout(res, 100));
      run = stack.sandbox.checkRuns.find((c) => c.head_sha === head);
    }
    assert.equal(run!.conclusion, 'failure');
    assert.deepEqual(
      run!.output.annotations.map((a: any) => [a.path, a.start_line, a.message]),
      [['src/run.ts', 2, 'Command injection']],
    );
    assert.equal(gemini.requests.length, 1);
    assert.deepEqual(gemini.requests[0]!.body.tools, undefined, 'a reviewer gets no tools');
    // 200 fresh input + 100 cached + 50 output, counted as agent budgets count them.
    assert.match(stack.sandbox.comments[0]!.body, /; 350 model tokens used\./);
  });
});
