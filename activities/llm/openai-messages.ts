// The conversation (Anthropic-shaped content blocks) to and from OpenAI Chat Completions: tool_use is
// an assistant message's tool_calls (arguments as a JSON string), each tool_result a "tool" message.
import type {
  ChatCompletion,
  ChatCompletionFunctionTool,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import type { ChatMessage, ContentBlock, Usage } from '../../src/agents/model-types.js';
import type { ToolDefinition } from '../../src/agents/tools.js';

const textOf = (blocks: ContentBlock[]) =>
  blocks.flatMap((b) => (b.type === 'text' && b.text ? [b.text] : [])).join('\n');

export function toOpenAIMessages(system: string, messages: ChatMessage[]): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = system ? [{ role: 'system', content: system }] : [];
  for (const m of messages) {
    if (typeof m.content === 'string') {
      out.push({ role: m.role, content: m.content });
      continue;
    }
    if (m.role === 'assistant') {
      const calls = m.content.flatMap((b) => (b.type === 'tool_use' ? [b] : []));
      out.push({
        role: 'assistant',
        content: textOf(m.content) || null,
        ...(calls.length
          ? {
              tool_calls: calls.map((c) => ({
                id: c.id,
                type: 'function' as const,
                function: {
                  name: c.name,
                  arguments: typeof c.input === 'string' ? c.input : JSON.stringify(c.input ?? {}),
                },
              })),
            }
          : {}),
      });
      continue;
    }
    // Tool messages must directly follow the assistant message that made the calls; text comes after.
    for (const b of m.content) {
      if (b.type === 'tool_result')
        out.push({
          role: 'tool',
          tool_call_id: b.tool_use_id,
          content: b.is_error ? `Error: ${b.content}` : b.content,
        });
    }
    const text = textOf(m.content);
    if (text) out.push({ role: 'user', content: text });
  }
  return out;
}

export function openAITools(defs: ToolDefinition[]): ChatCompletionFunctionTool[] {
  return defs.map((d) => ({
    type: 'function',
    function: { name: d.name, description: d.description, parameters: withProperties(d.input_schema) },
  }));
}

/**
 * The API refuses a top-level object schema without `properties` ("object schema missing properties"),
 * which JSON Schema and MCP allow: an MCP tool that takes no input or any object (the stand-in for a
 * schema too large to send) would fail every request of the run. An empty `properties` means the same.
 */
const withProperties = (schema: Record<string, unknown>) =>
  'properties' in schema ? schema : { ...schema, properties: {} };

/** Arguments are a JSON string; a small model may write invalid JSON, which the tool check then reports. */
function parseArguments(args: string): unknown {
  try {
    return JSON.parse(args || '{}');
  } catch {
    return args;
  }
}

export function fromOpenAI(res: ChatCompletion): { content: ContentBlock[]; stopReason: string; usage: Usage } {
  const choice = res.choices?.[0];
  const msg = choice?.message;
  const content: ContentBlock[] = [];
  if (msg?.content) content.push({ type: 'text', text: msg.content });
  else if (msg?.refusal) content.push({ type: 'text', text: msg.refusal });
  for (const call of msg?.tool_calls ?? []) {
    if (call.type === 'function')
      content.push({
        type: 'tool_use',
        id: call.id,
        name: call.function.name,
        input: parseArguments(call.function.arguments),
      });
  }
  const finish = choice?.finish_reason ?? 'stop';
  const cached = res.usage?.prompt_tokens_details?.cached_tokens ?? 0;
  return {
    content,
    stopReason: content.some((b) => b.type === 'tool_use')
      ? 'tool_use'
      : finish === 'stop'
        ? 'end_turn'
        : finish === 'length'
          ? 'max_tokens'
          : finish,
    usage: {
      // prompt_tokens includes the cached part (OpenAI caches long prefixes by itself).
      input_tokens: Math.max(0, (res.usage?.prompt_tokens ?? 0) - cached),
      output_tokens: res.usage?.completion_tokens ?? 0,
      cache_read_input_tokens: cached,
      cache_creation_input_tokens: 0,
    },
  };
}
