// A fake OpenAI Chat Completions API (as OpenAI and compatible servers such as vLLM serve it) on a
// local HTTP server, scripted per test. It checks requests the way the real API does: the bearer key,
// roles, tool_calls answered by "tool" messages before anything else, string arguments, function tool
// definitions; and answers in the real shapes, errors included.
import type { IncomingMessage } from 'node:http';
import { ScriptedApi, type Answer, type RecordedRequest } from './scripted-api.js';

export type ChatReply =
  | {
      content?: string;
      toolCalls?: [string, unknown][];
      finishReason?: string;
      usage?: { prompt_tokens?: number; completion_tokens?: number; cached_tokens?: number };
    }
  | { status: number; message: string; type?: string; headers?: Record<string, string> };

export const reply = (content: string): ChatReply => ({ content, finishReason: 'stop' });
export const toolCalls = (...list: [string, unknown][]): ChatReply => ({ toolCalls: list, finishReason: 'tool_calls' });
export const rateLimit = (ms: number): ChatReply => ({
  status: 429,
  type: 'rate_limit_exceeded',
  message: 'Rate limit reached for requests',
  headers: { 'retry-after-ms': String(ms), 'retry-after': String(Math.ceil(ms / 1000)) },
});
export const serverError = (status = 500): ChatReply => ({
  status,
  type: 'server_error',
  message: 'The server had an error while processing your request.',
});

const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);

export class FakeOpenAI extends ScriptedApi<ChatReply> {
  protected error(
    status: number,
    message: string,
    headers?: Record<string, string>,
    type = 'invalid_request_error',
  ): Answer {
    return { status, headers, body: { error: { message, type, param: null, code: null } } };
  }

  protected check(req: IncomingMessage, body: any): Answer | undefined {
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions')
      return this.error(404, `Invalid URL (${req.method} ${req.url})`);
    const auth = String(req.headers.authorization ?? '');
    if (!/^Bearer \S+$/.test(auth))
      return this.error(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      );
    const problem = validate(body);
    return problem ? this.error(400, problem) : undefined;
  }

  protected render(r: ChatReply, req: RecordedRequest): Answer {
    if ('status' in r) return this.error(r.status, r.message, r.headers, r.type);
    const n = this.requests.length;
    const tool_calls = r.toolCalls?.map(([name, args], i) => ({
      id: `call_${n}_${i}`,
      type: 'function',
      function: { name, arguments: JSON.stringify(args) },
    }));
    const prompt = r.usage?.prompt_tokens ?? Math.ceil(JSON.stringify(req.body.messages).length / 4);
    const completion = r.usage?.completion_tokens ?? 20;
    return {
      status: 200,
      body: {
        id: `chatcmpl-${n}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: req.body.model,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: r.content ?? null,
              refusal: null,
              ...(tool_calls ? { tool_calls } : {}),
            },
            logprobs: null,
            finish_reason: r.finishReason ?? 'stop',
          },
        ],
        usage: {
          prompt_tokens: prompt,
          completion_tokens: completion,
          total_tokens: prompt + completion,
          prompt_tokens_details: { cached_tokens: r.usage?.cached_tokens ?? 0 },
        },
      },
    };
  }
}

/** The request checks of the real API that this project could get wrong. */
function validate(body: any): string | undefined {
  if (!isObject(body)) return 'We could not parse the JSON body of your request.';
  if (typeof body.model !== 'string') return 'you must provide a model parameter';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return "[] is too short - 'messages'";
  if (body.max_tokens !== undefined && body.max_completion_tokens !== undefined)
    return 'max_tokens and max_completion_tokens cannot both be set';
  let pending: string[] = [];
  for (const [i, m] of body.messages.entries()) {
    if (!['system', 'developer', 'user', 'assistant', 'tool'].includes(m.role))
      return `Invalid value: '${m.role}'. Supported values are: 'system', 'assistant', 'user', 'tool', 'function', and 'developer'.`;
    if (m.role === 'tool') {
      if (typeof m.tool_call_id !== 'string' || !pending.includes(m.tool_call_id))
        return "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.";
      if (typeof m.content !== 'string') return `Invalid type for 'messages[${i}].content': expected a string.`;
      pending = pending.filter((id) => id !== m.tool_call_id);
      continue;
    }
    if (pending.length)
      return `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${pending.join(', ')}`;
    if (m.role === 'assistant' && m.tool_calls !== undefined) {
      if (!Array.isArray(m.tool_calls) || m.tool_calls.length === 0)
        return `Invalid 'messages[${i}].tool_calls': empty array.`;
      for (const [j, c] of m.tool_calls.entries()) {
        if (typeof c.id !== 'string' || c.type !== 'function' || typeof c.function?.name !== 'string')
          return `Missing required parameter: 'messages[${i}].tool_calls[${j}]' needs id, type "function" and function.name.`;
        if (typeof c.function.arguments !== 'string')
          return `Invalid type for 'messages[${i}].tool_calls[${j}].function.arguments': expected a string, but got an object instead.`;
      }
      pending = m.tool_calls.map((c: any) => c.id);
    } else if (typeof m.content !== 'string' || (m.content === '' && m.role !== 'assistant')) {
      return `Invalid value for 'messages[${i}].content': expected a non-empty string.`;
    }
  }
  if (pending.length)
    return `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${pending.join(', ')}`;
  for (const [i, t] of (body.tools ?? []).entries()) {
    if (t.type !== 'function' || !/^[a-zA-Z0-9_-]{1,64}$/.test(t.function?.name ?? ''))
      return `Invalid 'tools[${i}]': a function tool with a name of letters, digits, _ or - is required.`;
    if (t.function.parameters !== undefined && t.function.parameters.type !== 'object')
      return `Invalid schema for function '${t.function.name}': schema must be a JSON Schema of 'type: "object"'.`;
    // The API refuses a top-level object schema without `properties`, which JSON Schema and MCP allow.
    if (t.function.parameters !== undefined && !isObject(t.function.parameters.properties))
      return `Invalid schema for function '${t.function.name}': In context=(), object schema missing properties.`;
  }
  return undefined;
}
