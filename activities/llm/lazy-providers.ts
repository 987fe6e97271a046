// Each provider's SDK is loaded on its first call: a worker that only talks to Anthropic never holds the
// Google and OpenAI SDKs in memory (tens of MB each), and start-up stays short.
import type { ModelRequest, ModelResponse } from '../../src/agents/model-types.js';
import type { ModelProvider } from '../../src/agents/providers.js';
import type { ProviderEndpoint } from './endpoints.js';

type Turn = (
  req: ModelRequest,
  endpoint: Required<Pick<ProviderEndpoint, 'apiKey'>> & ProviderEndpoint,
) => Promise<ModelResponse>;

function onFirstCall(load: () => Promise<Turn>): Turn {
  let turn: Promise<Turn> | undefined;
  return async (req, endpoint) => (await (turn ??= load()))(req, endpoint);
}

export function lazyProviders(timeoutMs: number): Record<ModelProvider, Turn> {
  return {
    anthropic: onFirstCall(async () => (await import('./anthropic.js')).anthropicModel(timeoutMs)),
    google: onFirstCall(async () => (await import('./google.js')).googleModel(timeoutMs)),
    openai: onFirstCall(async () => (await import('./openai.js')).openaiModel(timeoutMs)),
  };
}
