// The conversation's mapping onto Gemini and Chat Completions shapes and back, usage normalisation,
// and the failure mapping every provider shares.
import assert from 'node:assert/strict';
import type { GenerateContentResponse } from '@google/genai';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import { apiFailure, redact } from '../../activities/llm/failures.js';
import { fromGemini, toGeminiContents } from '../../activities/llm/google-messages.js';
import { fromOpenAI, toOpenAIMessages } from '../../activities/llm/openai-messages.js';
import type { ChatMessage } from '../../src/agents/model-types.js';

const conversation: ChatMessage[] = [
  { role: 'user', content: 'Triage this.' },
  {
    role: 'assistant',
    content: [
      { type: 'text', text: '' },
      { type: 'tool_use', id: 'c1', name: 'github_add_labels', input: { labels: ['bug'] }, signature: 'sig' },
      { type: 'tool_use', id: 'c2', name: 'github_post_comment', input: { body: 'x' } },
    ],
  },
  {
    role: 'user',
    content: [
      { type: 'tool_result', tool_use_id: 'c1', content: 'labels now: bug' },
      { type: 'tool_result', tool_use_id: 'c2', content: 'too long', is_error: true },
    ],
  },
];

describe('model message mapping', () => {
  it('Gemini: calls with their signatures, responses named after their calls, errors as error', () => {
    const [, model, user] = toGeminiContents(conversation);
    assert.deepEqual(model, {
      role: 'model',
      parts: [
        { functionCall: { id: 'c1', name: 'github_add_labels', args: { labels: ['bug'] } }, thoughtSignature: 'sig' },
        { functionCall: { id: 'c2', name: 'github_post_comment', args: { body: 'x' } } },
      ],
    });
    assert.deepEqual(user!.parts, [
      { functionResponse: { id: 'c1', name: 'github_add_labels', response: { output: 'labels now: bug' } } },
      { functionResponse: { id: 'c2', name: 'github_post_comment', response: { error: 'too long' } } },
    ]);
  });

  it('Gemini: usage without the cached part in input, thinking counted as output; refusals', () => {
    const turn = fromGemini({
      candidates: [
        {
          content: { role: 'model', parts: [{ text: 'thinking…', thought: true }, { text: 'Done.' }] },
          finishReason: 'STOP',
        },
      ],
      usageMetadata: {
        promptTokenCount: 300,
        cachedContentTokenCount: 100,
        candidatesTokenCount: 50,
        thoughtsTokenCount: 10,
      },
    } as unknown as GenerateContentResponse);
    assert.deepEqual(turn.content, [{ type: 'text', text: 'Done.' }]);
    assert.deepEqual(turn.usage, {
      input_tokens: 200,
      output_tokens: 60,
      cache_read_input_tokens: 100,
      cache_creation_input_tokens: 0,
    });
    assert.equal(turn.refusal, undefined);
    assert.deepEqual(
      fromGemini({ promptFeedback: { blockReason: 'SAFETY' } } as unknown as GenerateContentResponse).refusal,
      { reason: 'the prompt was blocked (SAFETY)', retryable: false },
    );
    assert.equal(
      fromGemini({ candidates: [{ finishReason: 'MALFORMED_FUNCTION_CALL' }] } as unknown as GenerateContentResponse)
        .refusal?.retryable,
      true,
    );
  });

  it('Chat Completions: tool messages right after the calls, arguments as JSON strings', () => {
    const messages = toOpenAIMessages('Be brief.', conversation);
    assert.deepEqual(messages, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Triage this.' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'github_add_labels', arguments: '{"labels":["bug"]}' } },
          { id: 'c2', type: 'function', function: { name: 'github_post_comment', arguments: '{"body":"x"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'labels now: bug' },
      { role: 'tool', tool_call_id: 'c2', content: 'Error: too long' },
    ]);
  });

  it('Chat Completions: invalid JSON arguments reach the tool check as they are; cached tokens apart', () => {
    const turn = fromOpenAI({
      choices: [
        {
          index: 0,
          finish_reason: 'tool_calls',
          message: {
            role: 'assistant',
            content: null,
            refusal: null,
            tool_calls: [
              { id: 'k', type: 'function', function: { name: 'github_add_labels', arguments: '{labels: bug' } },
            ],
          },
        },
      ],
      usage: {
        prompt_tokens: 120,
        completion_tokens: 7,
        total_tokens: 127,
        prompt_tokens_details: { cached_tokens: 100 },
      },
    } as unknown as ChatCompletion);
    assert.deepEqual(turn.content, [{ type: 'tool_use', id: 'k', name: 'github_add_labels', input: '{labels: bug' }]);
    assert.equal(turn.stopReason, 'tool_use');
    assert.deepEqual(turn.usage, {
      input_tokens: 20,
      output_tokens: 7,
      cache_read_input_tokens: 100,
      cache_creation_input_tokens: 0,
    });
  });
});

describe('model API failures', () => {
  it('rate limits and overload wait as told; other 4xx are final; keys are cut out', () => {
    const limited = apiFailure({ api: 'Gemini API', status: 429, apiMessage: 'quota', retryAfterMs: 1500 }, []);
    assert.equal(limited.type, 'ModelRateLimited');
    assert.equal(limited.nonRetryable, false);
    assert.equal(limited.nextRetryDelay, 1500);
    assert.equal(apiFailure({ api: 'X', status: 529 }, []).type, 'ModelOverloaded');
    assert.equal(apiFailure({ api: 'X', status: 503 }, []).nonRetryable, false);
    const bad = apiFailure(
      { api: 'OpenAI API', status: 401, apiMessage: 'Incorrect API key provided: sk-proj-abc***************wxyz.' },
      ['my-secret-key'],
    );
    assert.equal(bad.nonRetryable, true);
    assert.equal(bad.message, 'OpenAI API answered 401: Incorrect API key provided: [redacted]');
    assert.equal(
      redact('key my-secret-key and AIzaSyA-1234567890abcdef', ['my-secret-key']),
      'key [redacted] and [redacted]',
    );
  });
});
