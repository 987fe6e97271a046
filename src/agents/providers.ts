// The model providers an agent or gate may name in `provider:model`, where each looks for its key and
// base URL. Constants and pure functions only: config validation and the worker both read them.

export const MODEL_PROVIDERS = ['anthropic', 'google', 'openai'] as const;
export type ModelProvider = (typeof MODEL_PROVIDERS)[number];

/** Offline models that answer without any key. */
export const BUILTIN_AGENT_MODELS = [
  'code-reviewer',
  'security-reviewer',
  'quality-reviewer',
  'issue-triager',
  'assistant',
] as const;
export const BUILTIN_GATE_MODELS = ['gate-reviewer'] as const;

/** Environment variables holding each provider's key, in order of preference (the SDKs' own names). */
export const KEY_ENV: Record<ModelProvider, readonly string[]> = {
  anthropic: ['ANTHROPIC_API_KEY'],
  google: ['GOOGLE_API_KEY', 'GEMINI_API_KEY'],
  openai: ['OPENAI_API_KEY'],
};

/** Environment variables the SDKs themselves read for a proxy or compatible server. */
export const BASE_URL_ENV: Record<ModelProvider, string> = {
  anthropic: 'ANTHROPIC_BASE_URL',
  google: 'GOOGLE_GEMINI_BASE_URL',
  openai: 'OPENAI_BASE_URL',
};

export const isModelProvider = (p: string): p is ModelProvider => (MODEL_PROVIDERS as readonly string[]).includes(p);

/** Splits `provider:model` at the first colon (model names may hold colons, e.g. Ollama tags). */
export function splitModel(model: string): { provider: string; name: string } {
  const i = model.indexOf(':');
  return i < 0 ? { provider: model, name: '' } : { provider: model.slice(0, i), name: model.slice(i + 1) };
}

/** Where a provider's endpoint is configured: an agent's spec, or the daemon's `providers` section. */
export interface EndpointConfig {
  base_url?: string;
  api_key_env?: string;
}

/** The environment variables that may hold the key, most specific first. */
export function keyEnvNames(provider: ModelProvider, ...configs: (EndpointConfig | undefined)[]): string[] {
  const named = configs.find((c) => c?.api_key_env)?.api_key_env;
  return named ? [named] : [...KEY_ENV[provider]];
}
