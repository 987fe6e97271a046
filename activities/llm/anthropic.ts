// One model turn through the Anthropic Messages API. The SDK's own retries are off: Temporal retries the
// activity durably, waiting as long as the API's retry-after says. The system prompt and the tool
// definitions repeat on every turn of a run, so they are marked for prompt caching.
import Anthropic, { APIConnectionError, APIError } from '@anthropic-ai/sdk';
import { toolDefinitions } from '../../src/agents/tools.js';
import type { ChatMessage, ContentBlock, ModelRequest, ModelResponse } from '../../src/agents/model-types.js';
import { splitModel } from '../../src/agents/providers.js';
import { retryAfterMs } from '../../src/http/retry-after.js';
import { clientCache } from './client-cache.js';
import type { ProviderEndpoint } from './endpoints.js';
import { apiFailure, redact, unreachable } from './failures.js';

const API = 'Anthropic API';
const cache = { type: 'ephemeral' } as const;

export function anthropicModel(timeoutMs: number) {
  const client = clientCache(
    (apiKey, baseURL) => new Anthropic({ apiKey, baseURL, maxRetries: 0, timeout: timeoutMs }),
  );
  return async (
    req: ModelRequest,
    endpoint: Required<Pick<ProviderEndpoint, 'apiKey'>> & ProviderEndpoint,
  ): Promise<ModelResponse> => {
    const tools = toolDefinitions(req.tools, req.mcpTools) as Anthropic.Tool[];
    if (tools.length) tools[tools.length - 1] = { ...tools[tools.length - 1]!, cache_control: cache };
    try {
      const res = await client(endpoint.apiKey, endpoint.baseURL).messages.create({
        model: splitModel(req.model).name,
        max_tokens: req.maxTokens,
        system: req.system ? [{ type: 'text', text: req.system, cache_control: cache }] : [],
        messages: req.messages.map(toAnthropic),
        ...(tools.length ? { tools } : {}),
        ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
      });
      return {
        model: req.model,
        content: res.content.flatMap((b): ContentBlock[] =>
          b.type === 'text'
            ? [{ type: 'text', text: b.text }]
            : b.type === 'tool_use'
              ? [{ type: 'tool_use', id: b.id, name: b.name, input: b.input }]
              : [],
        ),
        stopReason: res.stop_reason ?? 'end_turn',
        usage: {
          input_tokens: res.usage.input_tokens,
          output_tokens: res.usage.output_tokens,
          cache_read_input_tokens: res.usage.cache_read_input_tokens ?? 0,
          cache_creation_input_tokens: res.usage.cache_creation_input_tokens ?? 0,
        },
      };
    } catch (err) {
      throw toFailure(err, endpoint.apiKey);
    }
  };
}

/** Only the fields the Messages API accepts (other providers' blocks may carry more, e.g. a signature). */
function toAnthropic(m: ChatMessage): Anthropic.MessageParam {
  if (typeof m.content === 'string') return { role: m.role, content: m.content };
  return {
    role: m.role,
    content: m.content.map((b): Anthropic.ContentBlockParam =>
      b.type === 'text'
        ? { type: 'text', text: b.text }
        : b.type === 'tool_use'
          ? { type: 'tool_use', id: b.id, name: b.name, input: b.input }
          : {
              type: 'tool_result',
              tool_use_id: b.tool_use_id,
              content: b.content,
              ...(b.is_error ? { is_error: true } : {}),
            },
    ),
  };
}

function toFailure(err: unknown, apiKey: string): Error {
  if (err instanceof APIConnectionError) return unreachable(API, err, [apiKey]);
  if (!(err instanceof APIError) || err.status === undefined) return err as Error;
  const apiMessage = (err.error as { error?: { message?: string } } | undefined)?.error?.message;
  return apiFailure(
    {
      api: API,
      status: err.status,
      apiMessage: apiMessage ? redact(apiMessage, [apiKey]) : undefined,
      retryAfterMs: retryAfterMs((name) => err.headers?.get(name)),
    },
    [apiKey],
  );
}
