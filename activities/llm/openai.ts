// One model turn through the Chat Completions API with the official `openai` SDK, for OpenAI and for
// OpenAI-compatible servers (vLLM, Ollama, LiteLLM) at another base URL. The SDK's retries are off:
// Temporal retries the activity, waiting as long as the server's retry-after says.
import OpenAI, { APIConnectionError, APIError } from 'openai';
import type { ModelRequest, ModelResponse } from '../../src/agents/model-types.js';
import { splitModel } from '../../src/agents/providers.js';
import { toolDefinitions } from '../../src/agents/tools.js';
import { retryAfterMs } from '../../src/http/retry-after.js';
import { clientCache } from './client-cache.js';
import type { ProviderEndpoint } from './endpoints.js';
import { apiFailure, redact, unreachable } from './failures.js';
import { fromOpenAI, openAITools, toOpenAIMessages } from './openai-messages.js';

export function openaiModel(timeoutMs: number) {
  const client = clientCache((apiKey, baseURL) => new OpenAI({ apiKey, baseURL, maxRetries: 0, timeout: timeoutMs }));
  return async (
    req: ModelRequest,
    endpoint: Required<Pick<ProviderEndpoint, 'apiKey'>> & ProviderEndpoint,
  ): Promise<ModelResponse> => {
    const host = endpoint.baseURL ? hostOf(endpoint.baseURL) : 'api.openai.com';
    const compatible = host !== 'api.openai.com';
    const api = compatible ? `OpenAI-compatible API (${host})` : 'OpenAI API';
    const tools = toolDefinitions(req.tools, req.mcpTools);
    try {
      const res = await client(endpoint.apiKey, endpoint.baseURL).chat.completions.create({
        model: splitModel(req.model).name,
        messages: toOpenAIMessages(req.system, req.messages),
        ...(tools.length ? { tools: openAITools(tools) } : {}),
        // OpenAI's newer models refuse max_tokens; compatible servers (Ollama) know only max_tokens.
        ...(compatible ? { max_tokens: req.maxTokens } : { max_completion_tokens: req.maxTokens }),
        ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
      });
      return { model: req.model, ...fromOpenAI(res) };
    } catch (err) {
      if (err instanceof APIConnectionError) throw unreachable(api, err, [endpoint.apiKey]);
      if (!(err instanceof APIError) || err.status === undefined) throw err;
      const apiMessage = (err.error as { message?: unknown } | undefined)?.message;
      throw apiFailure(
        {
          api,
          status: err.status,
          apiMessage: typeof apiMessage === 'string' ? redact(apiMessage, [endpoint.apiKey]) : undefined,
          retryAfterMs: retryAfterMs((name) => err.headers?.get(name)),
        },
        [endpoint.apiKey],
      );
    }
  };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid base URL';
  }
}
