// Helpers shared by the built-in models: what the conversation holds so far, and replies in the
// Messages API's shape. Usage is counted in characters/4, like a rough tokenizer, so budgets apply.
import type { ChatMessage, ContentBlock, ModelRequest, ModelResponse } from '../../../src/agents/model-types.js';
import { readUntrusted, type UntrustedContent } from '../../../src/agents/prompt.js';

export type BuiltinModel = (req: ModelRequest) => ModelResponse | Promise<ModelResponse>;

const tokens = (s: string) => Math.ceil(s.length / 4);

function firstUserText(messages: ChatMessage[]): string {
  const c = messages[0]?.content;
  return typeof c === 'string' ? c : (c ?? []).map((b) => (b.type === 'text' ? b.text : '')).join('\n');
}

export function eventData(req: ModelRequest): UntrustedContent {
  return readUntrusted(firstUserText(req.messages));
}

/** Number of model turns already taken in this conversation. */
export const turn = (req: ModelRequest) => req.messages.filter((m) => m.role === 'assistant').length;

function reply(req: ModelRequest, content: ContentBlock[], stopReason: string): ModelResponse {
  const input = tokens(req.system) + tokens(JSON.stringify(req.messages));
  return {
    model: req.model,
    content,
    stopReason,
    usage: {
      input_tokens: input,
      output_tokens: tokens(JSON.stringify(content)),
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
    },
  };
}

export const answer = (req: ModelRequest, text: string) => reply(req, [{ type: 'text', text }], 'end_turn');

export function useTools(req: ModelRequest, calls: { name: string; input: unknown }[], text?: string): ModelResponse {
  const t = turn(req);
  const blocks: ContentBlock[] = calls.map((c, i) => ({
    type: 'tool_use',
    id: `toolu_builtin_${t}_${i}`,
    name: c.name,
    input: c.input,
  }));
  return reply(req, text ? [{ type: 'text', text }, ...blocks] : blocks, 'tool_use');
}

/** The tool results the model got back in the last user message. */
export function lastToolResults(req: ModelRequest): { content: string; is_error?: boolean }[] {
  const last = req.messages[req.messages.length - 1];
  return Array.isArray(last?.content)
    ? last.content.filter((b) => b.type === 'tool_result').map((b) => b as { content: string; is_error?: boolean })
    : [];
}
