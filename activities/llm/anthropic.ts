// One model turn through the Anthropic Messages API. The SDK's own retries are off: Temporal retries the
// activity durably, waiting as long as the API's retry-after says. The key never leaves this module.
import Anthropic, { APIConnectionError, APIError } from '@anthropic-ai/sdk';
import { ApplicationFailure } from '@temporalio/common';
import { toolDefinitions } from '../../src/agents/tools.js';
import type { ContentBlock, ModelRequest, ModelResponse } from '../../src/agents/model-types.js';
import { retryAfterMs } from '../../src/http/retry-after.js';

export interface AnthropicSettings {
  apiKey?: string;
  baseURL?: string;
  timeoutMs?: number;
}

export function anthropicModel(settings: AnthropicSettings) {
  let client: Anthropic | undefined;
  return async (req: ModelRequest): Promise<ModelResponse> => {
    if (!settings.apiKey) {
      throw ApplicationFailure.create({ type: 'MissingApiKey', message: `agent "${req.agentName}" uses ${req.model}, but ANTHROPIC_API_KEY is not set`, nonRetryable: true });
    }
    client ??= new Anthropic({ apiKey: settings.apiKey, baseURL: settings.baseURL, maxRetries: 0, timeout: settings.timeoutMs ?? 120_000 });
    try {
      const res = await client.messages.create({
        model: req.model.slice(req.model.indexOf(':') + 1),
        max_tokens: req.maxTokens,
        system: req.system,
        messages: req.messages as Anthropic.MessageParam[],
        ...(req.tools.length ? { tools: toolDefinitions(req.tools) as Anthropic.Tool[] } : {}),
        ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
      });
      return {
        model: req.model,
        content: res.content.flatMap((b): ContentBlock[] =>
          b.type === 'text' ? [{ type: 'text', text: b.text }] : b.type === 'tool_use' ? [{ type: 'tool_use', id: b.id, name: b.name, input: b.input }] : [],
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
      throw toFailure(err);
    }
  };
}

function toFailure(err: unknown): Error {
  if (err instanceof APIConnectionError) return ApplicationFailure.create({ type: 'ModelUnavailable', message: `Anthropic API unreachable: ${err.message}` });
  if (!(err instanceof APIError) || err.status === undefined) return err as Error;
  const status = err.status;
  const apiMessage = (err.error as { error?: { message?: string } } | undefined)?.error?.message ?? '';
  const message = `Anthropic API answered ${status}${apiMessage ? `: ${apiMessage}` : ''}`;
  if (status === 429 || status === 529 || status >= 500 || status === 408) {
    const wait = retryAfterMs((name) => err.headers?.get(name));
    return ApplicationFailure.create({ type: status === 429 ? 'ModelRateLimited' : 'ModelOverloaded', message, nextRetryDelay: wait });
  }
  return ApplicationFailure.create({ type: `Model${status}`, message, nonRetryable: true });
}
