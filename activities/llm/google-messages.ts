// The conversation (Anthropic-shaped content blocks) to and from Gemini's contents and parts: tool_use
// is a functionCall part of a "model" turn, tool_result a functionResponse part of a "user" turn.
import { randomUUID } from 'node:crypto';
import type { Content, FunctionDeclaration, GenerateContentResponse, Part } from '@google/genai';
import type { ChatMessage, ContentBlock, Usage } from '../../src/agents/model-types.js';
import type { ToolDefinition } from '../../src/agents/tools.js';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function toGeminiContents(messages: ChatMessage[]): Content[] {
  // A functionResponse names its function; the conversation pairs results with calls by id only.
  const names = new Map<string, string>();
  return messages.map((m) => {
    const role = m.role === 'assistant' ? 'model' : 'user';
    if (typeof m.content === 'string') return { role, parts: [{ text: m.content || '(empty)' }] };
    const parts = m.content.flatMap((b): Part[] => {
      if (b.type === 'text') return b.text ? [{ text: b.text }] : [];
      if (b.type === 'tool_use') {
        names.set(b.id, b.name);
        // Thinking models need their signature back with the call, or they lose their reasoning (Gemini 3 refuses).
        return [
          {
            functionCall: { id: b.id, name: b.name, args: isRecord(b.input) ? b.input : { value: b.input } },
            ...(b.signature ? { thoughtSignature: b.signature } : {}),
          },
        ];
      }
      const name = names.get(b.tool_use_id) ?? 'unknown_tool';
      return [
        {
          functionResponse: {
            id: b.tool_use_id,
            name,
            response: b.is_error ? { error: b.content } : { output: b.content },
          },
        },
      ];
    });
    return { role, parts: parts.length ? parts : [{ text: '(empty)' }] };
  });
}

export function geminiTools(defs: ToolDefinition[]): FunctionDeclaration[] {
  // parametersJsonSchema takes JSON Schema as is; `parameters` is an OpenAPI subset without additionalProperties.
  return defs.map((d) => ({ name: d.name, description: d.description, parametersJsonSchema: d.input_schema }));
}

export interface GeminiTurn {
  content: ContentBlock[];
  stopReason: string;
  usage: Usage;
  /** Why no candidate came back (a blocked prompt, a safety stop), when none did. */
  refusal?: { reason: string; retryable: boolean };
}

export function fromGemini(res: GenerateContentResponse): GeminiTurn {
  const candidate = res.candidates?.[0];
  const content = (candidate?.content?.parts ?? []).flatMap((p, i): ContentBlock[] => {
    if (p.thought) return [];
    if (p.functionCall?.name) {
      const id = p.functionCall.id ?? `gemini_call_${i}_${randomUUID().slice(0, 8)}`;
      return [
        {
          type: 'tool_use',
          id,
          name: p.functionCall.name,
          input: p.functionCall.args ?? {},
          ...(p.thoughtSignature ? { signature: p.thoughtSignature } : {}),
        },
      ];
    }
    return p.text ? [{ type: 'text', text: p.text }] : [];
  });
  const u = res.usageMetadata;
  const cached = u?.cachedContentTokenCount ?? 0;
  const usage: Usage = {
    // promptTokenCount includes the cached part; thinking is billed as output.
    input_tokens: Math.max(0, (u?.promptTokenCount ?? 0) - cached),
    output_tokens: (u?.candidatesTokenCount ?? 0) + (u?.thoughtsTokenCount ?? 0),
    cache_read_input_tokens: cached,
    cache_creation_input_tokens: 0,
  };
  const finish = String(candidate?.finishReason ?? '');
  const stopReason = content.some((b) => b.type === 'tool_use')
    ? 'tool_use'
    : finish === 'MAX_TOKENS'
      ? 'max_tokens'
      : finish === 'STOP' || !finish
        ? 'end_turn'
        : finish.toLowerCase();
  let refusal: GeminiTurn['refusal'];
  if (!candidate)
    refusal = {
      reason: `the prompt was blocked (${res.promptFeedback?.blockReason ?? 'no candidates'})`,
      retryable: false,
    };
  else if (content.length === 0 && finish !== 'STOP' && finish !== 'MAX_TOKENS')
    refusal = {
      reason: `no answer (finishReason ${finish || 'missing'})`,
      retryable: finish === 'MALFORMED_FUNCTION_CALL',
    };
  return { content, stopReason, usage, refusal };
}
