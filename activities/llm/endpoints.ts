// Where each model call goes and with which key. Most specific wins: the agent's own `base_url` /
// `api_key_env`, then the daemon's `providers` section, then the worker's environment (the SDKs'
// usual variables). Read in the worker, never passed through a workflow, so keys stay out of histories.
import {
  BASE_URL_ENV,
  KEY_ENV,
  MODEL_PROVIDERS,
  type EndpointConfig,
  type ModelProvider,
} from '../../src/agents/providers.js';

export interface ProviderEndpoint {
  apiKey?: string;
  baseURL?: string;
}

/** Worker-level endpoints per provider: from the environment, or given by tests. */
export type ProviderSettings = Partial<Record<ModelProvider, ProviderEndpoint>>;

export interface EndpointSources {
  defaults: ProviderSettings;
  /** The daemon's `providers` section. */
  daemon?: Partial<Record<ModelProvider, EndpointConfig>>;
  /** Agents' own endpoint settings, by agent name. */
  agents?: Map<string, EndpointConfig>;
  /** Where `api_key_env` names are looked up. */
  env?: NodeJS.ProcessEnv;
}

export interface ResolvedEndpoint extends ProviderEndpoint {
  /** The variables the key was looked for in, to say which one to set. */
  keyEnv: readonly string[];
}

export function providersFromEnv(env: NodeJS.ProcessEnv = process.env): ProviderSettings {
  return Object.fromEntries(
    MODEL_PROVIDERS.map((p) => [
      p,
      { apiKey: KEY_ENV[p].map((n) => env[n]).find(Boolean), baseURL: env[BASE_URL_ENV[p]] || undefined },
    ]),
  );
}

/** The endpoint for `provider`; `agentName` only for an agent's own turn (a gate reviewer has none). */
export function resolveEndpoint(
  provider: ModelProvider,
  sources: EndpointSources,
  agentName?: string,
): ResolvedEndpoint {
  const agent = agentName ? sources.agents?.get(agentName) : undefined;
  const daemon = sources.daemon?.[provider];
  const keyEnvName = agent?.api_key_env ?? daemon?.api_key_env;
  const fallback = sources.defaults[provider];
  return {
    apiKey: keyEnvName ? (sources.env ?? process.env)[keyEnvName] || undefined : fallback?.apiKey,
    baseURL: agent?.base_url ?? daemon?.base_url ?? fallback?.baseURL,
    keyEnv: keyEnvName ? [keyEnvName] : KEY_ENV[provider],
  };
}
