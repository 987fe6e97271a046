// Google (Gemini) and OpenAI-compatible models in the same durable tool loop as Anthropic's, each
// against a fake of its API that checks requests as the real one does: a tool loop, a 429 waited out
// as told, a 5xx retried, a 400 final with the API's message and no key anywhere in the history.
import { rendered } from '../../src/sandbox/github/server.js';
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import type { ProviderSettings } from '../../activities/llm/endpoints.js';
import { example } from '../../src/fixtures/webhook-examples.js';
import { calls, exhausted, FakeGoogle, say, unavailable } from '../fakes/fake-google.js';
import { FakeOpenAI, rateLimit, reply, serverError, toolCalls } from '../fakes/fake-openai.js';
import type { RecordedRequest, ScriptedApi } from '../fakes/scripted-api.js';
import { daemonYaml, triggerYaml, GITHUB_TEST_PLATFORM } from '../harness/config-dir.js';
import { startStackFor, type Stack } from '../harness/stack.js';

const GOOGLE_KEY = 'AIzaTest-google-key-do-not-leak';
const OPENAI_KEY = 'sk-test-openai-key-do-not-leak';

interface ProviderCase<R> {
  name: string;
  model: string;
  key: string;
  fake: ScriptedApi<R>;
  settings: (url: string) => ProviderSettings;
  say: (text: string) => R;
  call: (name: string, input: unknown) => R;
  rateLimited: (ms: number) => R;
  serverError: () => R;
  badRequest: (message: string) => R;
  apiName: (url: string) => string;
  /** Checks the first request's shape (key header, system prompt, tool definitions). */
  checkFirst: (req: RecordedRequest, payload: any) => void;
  /** The tool result the second request carries back to the model, after checking how it is paired with the call. */
  toolResult: (req: RecordedRequest) => string;
}

const google: ProviderCase<any> = {
  name: 'Google Gemini',
  model: 'google:gemini-test',
  key: GOOGLE_KEY,
  fake: new FakeGoogle(),
  settings: (url) => ({ google: { apiKey: GOOGLE_KEY, baseURL: url } }),
  say,
  call: (name, input) => calls([name, input]),
  rateLimited: (ms) => exhausted(ms),
  serverError: unavailable,
  badRequest: (message) => ({ status: 400, message }),
  apiName: () => 'Gemini API',
  checkFirst(req, payload) {
    assert.equal(req.url, '/v1beta/models/gemini-test:generateContent');
    assert.equal(req.headers['x-goog-api-key'], GOOGLE_KEY);
    assert.match(
      req.body.systemInstruction.parts[0].text,
      new RegExp(`^Triage issue #${payload.issue.number} of ${payload.repository.full_name}\\.`),
    );
    const decls = req.body.tools[0].functionDeclarations;
    assert.deepEqual(
      decls.map((d: any) => d.name),
      ['github_add_labels', 'github_post_comment'],
    );
    assert.equal(decls[0].parametersJsonSchema.properties.labels.type, 'array');
    assert.equal(req.body.generationConfig.maxOutputTokens, 4096);
    assert.match(req.body.contents[0].parts[0].text, /<untrusted_github_data>/);
  },
  toolResult(req) {
    const [, model, user] = req.body.contents;
    assert.equal(model.role, 'model');
    assert.equal(model.parts[0].functionCall.name, 'github_add_labels');
    assert.equal(
      model.parts[0].thoughtSignature,
      'sig-github_add_labels',
      'the thought signature goes back with the call',
    );
    assert.equal(user.role, 'user');
    assert.equal(user.parts[0].functionResponse.name, 'github_add_labels');
    assert.equal(user.parts[0].functionResponse.id, model.parts[0].functionCall.id);
    return user.parts[0].functionResponse.response.output;
  },
};

const openai: ProviderCase<any> = {
  name: 'an OpenAI-compatible server',
  model: 'openai:gpt-test',
  key: OPENAI_KEY,
  fake: new FakeOpenAI(),
  settings: (url) => ({ openai: { apiKey: OPENAI_KEY, baseURL: `${url}/v1` } }),
  say: reply,
  call: (name, input) => toolCalls([name, input]),
  rateLimited: rateLimit,
  serverError: () => serverError(502),
  badRequest: (message) => ({ status: 400, message }),
  apiName: (url) => `OpenAI-compatible API (${new URL(url).host})`,
  checkFirst(req, payload) {
    assert.equal(req.headers.authorization, `Bearer ${OPENAI_KEY}`);
    assert.equal(req.body.model, 'gpt-test');
    assert.equal(req.body.messages[0].role, 'system');
    assert.match(
      req.body.messages[0].content,
      new RegExp(`^Triage issue #${payload.issue.number} of ${payload.repository.full_name}\\.`),
    );
    assert.match(req.body.messages[1].content, /<untrusted_github_data>/);
    assert.deepEqual(
      req.body.tools.map((t: any) => [t.type, t.function.name]),
      [
        ['function', 'github_add_labels'],
        ['function', 'github_post_comment'],
      ],
    );
    assert.equal(req.body.max_tokens, 4096, 'compatible servers get max_tokens');
  },
  toolResult(req) {
    const [, , assistant, tool] = req.body.messages;
    assert.equal(assistant.role, 'assistant');
    assert.equal(assistant.tool_calls[0].function.name, 'github_add_labels');
    assert.deepEqual(JSON.parse(assistant.tool_calls[0].function.arguments), { labels: ['bug'] });
    assert.equal(tool.role, 'tool');
    assert.equal(tool.tool_call_id, assistant.tool_calls[0].id);
    return tool.content;
  },
};

const agent = (model: string) =>
  `apiVersion: aof.dev/v1\nkind: Agent\nmetadata: {name: triager}\nspec:\n  model: ${model}\n  max_iterations: 4\n  instructions: "Triage issue #{{ metadata.issue_number }} of {{ metadata.repo_full_name }}."\n  tools: [github_add_labels, github_post_comment]\n`;

for (const p of [google, openai]) {
  describe(`agent tool loop with ${p.name}`, function () {
    let stack: Stack;
    let url: string;
    before(async () => {
      url = await p.fake.start();
      stack = await startStackFor(
        {
          'daemon.yaml': daemonYaml(GITHUB_TEST_PLATFORM),
          'agents/a.yaml': agent(p.model),
          'triggers/t.yaml': triggerYaml('issues', 'config:\n  github_events: [issues]\ndefault_agent: triager'),
        },
        { providers: p.settings(url) },
      );
    });
    after(async () => {
      await stack?.stop();
      await p.fake.stop();
    });
    beforeEach(() => {
      p.fake.reset();
      stack.sandbox.reset();
    });

    const run = async () => {
      const payload = example('issues', 'opened');
      const r = await stack.send('issues', payload);
      assert.equal(r.status, 201);
      return { handle: stack.client.workflow.getHandle(r.body.workflowId), payload };
    };

    it('runs a tool call as an activity, posts the answer, and reports usage like every provider', async () => {
      p.fake.script(p.call('github_add_labels', { labels: ['bug'] }), p.say('Labelled as a bug.'));
      const { handle, payload } = await run();
      const result = await handle.result();
      assert.deepEqual(
        [...stack.sandbox.labels.get(`${payload.repository.full_name}#${payload.issue.number}`)!],
        ['bug'],
      );
      assert.deepEqual(
        stack.sandbox.comments.map((c) => rendered(c.body)),
        ['Labelled as a bug.'],
      );
      assert.equal(p.fake.requests.length, 2);
      p.checkFirst(p.fake.requests[0]!, payload);
      assert.match(p.toolResult(p.fake.requests[1]!), /labels now: bug/);
      assert.equal(result.agent!.turns, 2);
      const memo = (await handle.describe()).memo as { usage: Record<string, number>; turns: number };
      assert.equal(memo.usage.output_tokens, 40);
      assert.ok(memo.usage.input_tokens > 0);
      assert.deepEqual(memo.usage, result.agent!.usage);
    });

    it('a 429 is retried after the wait the API asked for', async () => {
      p.fake.script(p.rateLimited(1500), p.say('fine'));
      await (await run()).handle.result();
      const [a, b] = p.fake.requests.map((r) => r.at);
      assert.equal(p.fake.requests.length, 2);
      assert.ok(b! - a! >= 1450, `retried after ${b! - a!} ms`);
      assert.equal(rendered(stack.sandbox.comments[0]!.body), 'fine');
    });

    it('a 5xx is retried, then the turn runs once', async () => {
      p.fake.script(p.serverError(), p.say('fine'));
      await (await run()).handle.result();
      assert.equal(p.fake.requests.length, 2);
      assert.deepEqual(
        stack.sandbox.comments.map((c) => rendered(c.body)),
        ['fine'],
      );
    });

    it('a 400 ends the run at once with the API message, and the key is nowhere in the history', async () => {
      p.fake.script(p.badRequest(`Invalid value for max tokens (key ${p.key})`));
      const { handle } = await run();
      const err = await handle.result().catch((e) => e);
      assert.ok(err instanceof WorkflowFailedError);
      assert.equal(
        String((err.cause as any)?.cause?.message),
        `${p.apiName(url)} answered 400: Invalid value for max tokens (key [redacted])`,
      );
      assert.equal(p.fake.requests.length, 1);
      const history = JSON.stringify(await handle.fetchHistory(), (_, v) => (typeof v === 'bigint' ? String(v) : v));
      assert.match(history, / answered 400: Invalid value for max tokens/);
      assert.ok(!history.includes(p.key));
      assert.equal(stack.sandbox.comments.length, 0);
    });
  });
}
