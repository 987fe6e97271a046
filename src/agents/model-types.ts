// The conversation an agent run keeps, in the shape of the Anthropic Messages API, so the same loop
// serves every provider (each maps it to its own API) and the built-in offline ones.
import type { ToolDefinition } from './tools.js';

export type ContentBlock =
  | { type: 'text'; text: string }
  /** `signature`: a provider's opaque token to send back with the call (Gemini's thought signature). */
  | { type: 'tool_use'; id: string; name: string; input: unknown; signature?: string }
  | { type: 'tool_result'; tool_use_id: string; content: string; is_error?: boolean };

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string | ContentBlock[];
}

export interface ModelRequest {
  agentName: string;
  /** `provider:model`, e.g. anthropic:claude-sonnet-4-5, google:gemini-2.5-flash, openai:gpt-4o or builtin:issue-triager. */
  model: string;
  /** A builtin: model to answer instead when `model`'s provider has no key (any provider). */
  offlineModel?: string;
  system: string;
  messages: ChatMessage[];
  /** The built-in tools offered (names from the agent's `tools`). */
  tools: string[];
  /** The agent's MCP servers' tools, as listed when the run started (absent without MCP servers). */
  mcpTools?: ToolDefinition[];
  maxTokens: number;
  temperature?: number;
}

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

export interface ModelResponse {
  /** The model that answered (the offline model when the provider had no key). */
  model: string;
  content: ContentBlock[];
  stopReason: string;
  usage: Usage;
}

export const zeroUsage = (): Usage => ({
  input_tokens: 0,
  output_tokens: 0,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0,
});

export function addUsage(a: Usage, b: Partial<Usage>): Usage {
  return {
    input_tokens: a.input_tokens + (b.input_tokens ?? 0),
    output_tokens: a.output_tokens + (b.output_tokens ?? 0),
    cache_read_input_tokens: a.cache_read_input_tokens + (b.cache_read_input_tokens ?? 0),
    cache_creation_input_tokens: a.cache_creation_input_tokens + (b.cache_creation_input_tokens ?? 0),
  };
}

export const totalTokens = (u: Usage) =>
  u.input_tokens + u.output_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens;
