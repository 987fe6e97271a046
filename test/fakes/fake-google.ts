// A fake Gemini API (generateContent) as a local HTTP server, scripted per test. It checks requests the
// way the real API does: the x-goog-api-key header, the path, field names (unknown ones are refused),
// roles, non-empty parts, functionCall/functionResponse pairing; and answers in the real shapes,
// errors included (RESOURCE_EXHAUSTED with RetryInfo, UNAVAILABLE).
import type { IncomingMessage } from 'node:http';
import { ScriptedApi, type Answer, type RecordedRequest } from './scripted-api.js';

export type GeminiReply =
  | { parts: Record<string, unknown>[]; finishReason?: string; usage?: Record<string, number> }
  | { status: number; message: string; headers?: Record<string, string>; details?: unknown[] };

export const say = (text: string): GeminiReply => ({ parts: [{ text }], finishReason: 'STOP' });
/** Function calls; the first carries a thought signature, as a thinking model's does. */
export const calls = (...list: [string, unknown][]): GeminiReply => ({
  parts: list.map(([name, args], i) => ({
    functionCall: { name, args },
    ...(i === 0 ? { thoughtSignature: `sig-${name}` } : {}),
  })),
  finishReason: 'STOP',
});
/** 429 as the Gemini API sends it: the wait in the body's RetryInfo; `header` adds a proxy's retry-after. */
export const exhausted = (ms: number, header = false): GeminiReply => ({
  status: 429,
  message: 'You exceeded your current quota, please check your plan and billing details.',
  details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${ms / 1000}s` }],
  ...(header ? { headers: { 'retry-after': String(Math.ceil(ms / 1000)) } } : {}),
});
export const unavailable = (): GeminiReply => ({
  status: 503,
  message: 'The model is overloaded. Please try again later.',
});

const STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};
const PATH = /^\/v1beta\/models\/([\w.-]+):generateContent$/;

export class FakeGoogle extends ScriptedApi<GeminiReply> {
  protected error(status: number, message: string, headers?: Record<string, string>, details?: unknown[]): Answer {
    return {
      status,
      headers,
      body: { error: { code: status, message, status: STATUS[status] ?? 'UNKNOWN', ...(details ? { details } : {}) } },
    };
  }

  protected check(req: IncomingMessage, body: any): Answer | undefined {
    if (req.method !== 'POST' || !PATH.test(req.url ?? ''))
      return this.error(404, `Requested entity was not found: ${req.method} ${req.url}`);
    if (!req.headers['x-goog-api-key'])
      return this.error(
        403,
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
      );
    if (!String(req.headers['content-type']).startsWith('application/json'))
      return this.error(400, 'Invalid content type');
    const problem = validate(body);
    return problem ? this.error(400, problem) : undefined;
  }

  protected render(reply: GeminiReply, req: RecordedRequest): Answer {
    if ('status' in reply) return this.error(reply.status, reply.message, reply.headers, reply.details);
    const promptTokenCount = Math.ceil(JSON.stringify(req.body.contents).length / 4);
    const usage = { promptTokenCount, candidatesTokenCount: 20, ...reply.usage };
    return {
      status: 200,
      body: {
        candidates: [
          { content: { role: 'model', parts: reply.parts }, finishReason: reply.finishReason ?? 'STOP', index: 0 },
        ],
        usageMetadata: {
          ...usage,
          totalTokenCount:
            usage.promptTokenCount +
            usage.candidatesTokenCount +
            ((usage as Record<string, number>).thoughtsTokenCount ?? 0),
        },
        modelVersion: PATH.exec(req.url)![1],
        responseId: `resp_${this.requests.length}`,
      },
    };
  }
}

const unknown = (obj: Record<string, unknown>, allowed: string[], at: string) => {
  const k = Object.keys(obj).find((key) => !allowed.includes(key));
  return k ? `Invalid JSON payload received. Unknown name "${k}" at '${at}': Cannot find field.` : undefined;
};
const DATA = [
  'text',
  'inlineData',
  'fileData',
  'functionCall',
  'functionResponse',
  'executableCode',
  'codeExecutionResult',
];
const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The request checks of the real API that this project could get wrong. */
function validate(body: any): string | undefined {
  if (!isObject(body)) return 'Invalid JSON payload received.';
  const top = unknown(
    body,
    ['contents', 'systemInstruction', 'tools', 'toolConfig', 'generationConfig', 'safetySettings', 'cachedContent'],
    '',
  );
  if (top) return top;
  if (!Array.isArray(body.contents) || body.contents.length === 0)
    return '* GenerateContentRequest.contents: contents is not specified';
  for (const [i, c] of body.contents.entries()) {
    if (!['user', 'model'].includes(c.role))
      return `Please use a valid role: user, model. (contents[${i}].role: ${c.role})`;
    if (!Array.isArray(c.parts) || c.parts.length === 0)
      return `* GenerateContentRequest.contents[${i}].parts: contents.parts must not be empty.`;
    for (const [j, p] of c.parts.entries()) {
      const at = `contents[${i}].parts[${j}]`;
      const bad = unknown(p, [...DATA, 'thought', 'thoughtSignature'], at);
      if (bad) return bad;
      const set = DATA.filter((k) => k in p);
      if (set.length !== 1)
        return `* GenerateContentRequest.${at}.data: ${set.length ? "oneof field 'data' is already set" : "required oneof field 'data' must have one initialized field"}`;
      if ('text' in p && (typeof p.text !== 'string' || p.text === ''))
        return 'Unable to submit request because it has an empty text parameter. Add a value to the parameter and try again.';
      if (p.functionCall) {
        if (c.role !== 'model') return `${at}: a functionCall belongs to a model turn`;
        const fc = unknown(p.functionCall, ['id', 'name', 'args'], `${at}.function_call`);
        if (fc) return fc;
        if (
          typeof p.functionCall.name !== 'string' ||
          (p.functionCall.args !== undefined && !isObject(p.functionCall.args))
        )
          return `* GenerateContentRequest.${at}.function_call: name is required and args must be an object`;
      }
      if (p.functionResponse) {
        const fr = unknown(p.functionResponse, ['id', 'name', 'response'], `${at}.function_response`);
        if (fr) return fr;
        if (typeof p.functionResponse.name !== 'string' || !isObject(p.functionResponse.response))
          return `* GenerateContentRequest.${at}.function_response: name and response (an object) are required`;
      }
    }
    const prevCalls = i > 0 ? body.contents[i - 1].parts.filter((p: any) => p.functionCall) : [];
    const responses = c.parts.filter((p: any) => p.functionResponse);
    if (prevCalls.length && (responses.length === 0 || c.role !== 'user'))
      return 'Please ensure that function call turn comes immediately after a user turn or after a function response turn.';
    if (responses.length && !prevCalls.length)
      return 'Please ensure that function response turn comes immediately after a function call turn.';
    if (prevCalls.length && responses.length !== prevCalls.length)
      return 'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.';
    const names = prevCalls
      .map((p: any) => p.functionCall.name)
      .sort()
      .join();
    if (
      prevCalls.length &&
      responses
        .map((p: any) => p.functionResponse.name)
        .sort()
        .join() !== names
    )
      return `contents[${i}]: function response names do not match the function calls (${names})`;
  }
  if (body.systemInstruction !== undefined) {
    const parts = body.systemInstruction?.parts;
    if (!Array.isArray(parts) || parts.some((p: any) => typeof p.text !== 'string'))
      return '* GenerateContentRequest.system_instruction: parts of text are required';
  }
  for (const [i, t] of (body.tools ?? []).entries()) {
    const bad = unknown(t, ['functionDeclarations', 'googleSearch', 'codeExecution', 'urlContext'], `tools[${i}]`);
    if (bad) return bad;
    for (const [j, d] of (t.functionDeclarations ?? []).entries()) {
      const at = `tools[${i}].function_declarations[${j}]`;
      const badDecl = unknown(
        d,
        ['name', 'description', 'parameters', 'parametersJsonSchema', 'response', 'responseJsonSchema', 'behavior'],
        at,
      );
      if (badDecl) return badDecl;
      if (!/^[a-zA-Z_][a-zA-Z0-9_.-]{0,63}$/.test(d.name ?? ''))
        return `* GenerateContentRequest.${at}.name: Invalid function name. Must start with a letter or an underscore. Must be alphameric (a-z, A-Z, 0-9), underscores (_), dots (.) or dashes (-), with a maximum length of 64.`;
      if (d.parameters && d.parametersJsonSchema)
        return `* GenerateContentRequest.${at}: parameters and parameters_json_schema cannot both be set`;
      // `parameters` is an OpenAPI subset: JSON Schema keywords such as additionalProperties are unknown there.
      if (d.parameters && JSON.stringify(d.parameters).includes('"additionalProperties"'))
        return `Invalid JSON payload received. Unknown name "additionalProperties" at '${at}.parameters': Cannot find field.`;
      if (d.parametersJsonSchema && d.parametersJsonSchema.type !== 'object')
        return `* GenerateContentRequest.${at}.parameters_json_schema: must describe an object`;
    }
  }
  const g = body.generationConfig;
  if (g !== undefined) {
    const bad = unknown(
      g,
      [
        'maxOutputTokens',
        'temperature',
        'topP',
        'topK',
        'candidateCount',
        'stopSequences',
        'responseMimeType',
        'responseSchema',
        'thinkingConfig',
        'seed',
      ],
      'generation_config',
    );
    if (bad) return bad;
    if (g.maxOutputTokens !== undefined && !(Number.isInteger(g.maxOutputTokens) && g.maxOutputTokens > 0))
      return '* GenerateContentRequest.generation_config.max_output_tokens: must be a positive integer';
    if (g.temperature !== undefined && !(g.temperature >= 0 && g.temperature <= 2))
      return '* GenerateContentRequest.generation_config.temperature: must be between 0 and 2';
  }
  return undefined;
}
