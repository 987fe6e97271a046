// One model turn through the Gemini API with Google's SDK (@google/genai). Its retries are off (the
// default) and Temporal retries instead: the SDK's errors carry no headers, so each request gets its
// own fetch that keeps the answer's retry-after; Gemini also says how long to wait in the error body.
import { ApiError, GoogleGenAI } from '@google/genai';
import { ApplicationFailure } from '@temporalio/common';
import type { ModelRequest, ModelResponse } from '../../src/agents/model-types.js';
import { splitModel } from '../../src/agents/providers.js';
import { toolDefinitions } from '../../src/agents/tools.js';
import { retryAfterMs } from '../../src/http/retry-after.js';
import { clientCache } from './client-cache.js';
import type { ProviderEndpoint } from './endpoints.js';
import { apiFailure, redact, unreachable } from './failures.js';
import { fromGemini, geminiTools, toGeminiContents } from './google-messages.js';

const API = 'Gemini API';

export function googleModel(timeoutMs: number) {
  const client = clientCache(
    (apiKey, baseUrl) =>
      new GoogleGenAI({
        apiKey,
        vertexai: false,
        httpOptions: { ...(baseUrl ? { baseUrl } : {}), timeout: timeoutMs },
      }),
  );
  return async (
    req: ModelRequest,
    endpoint: Required<Pick<ProviderEndpoint, 'apiKey'>> & ProviderEndpoint,
  ): Promise<ModelResponse> => {
    let failed: Response | undefined;
    const keepFailure: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (!res.ok) failed = res;
      return res;
    };
    const tools = toolDefinitions(req.tools, req.mcpTools);
    try {
      const res = await client(endpoint.apiKey, endpoint.baseURL).models.generateContent({
        model: splitModel(req.model).name,
        contents: toGeminiContents(req.messages),
        config: {
          httpOptions: { fetch: keepFailure },
          ...(req.system ? { systemInstruction: req.system } : {}),
          ...(tools.length ? { tools: [{ functionDeclarations: geminiTools(tools) }] } : {}),
          maxOutputTokens: req.maxTokens,
          ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
        },
      });
      const turn = fromGemini(res);
      if (turn.refusal) {
        throw ApplicationFailure.create({
          type: 'ModelRefused',
          message: `${API}: ${turn.refusal.reason}`,
          nonRetryable: !turn.refusal.retryable,
        });
      }
      return { model: req.model, content: turn.content, stopReason: turn.stopReason, usage: turn.usage };
    } catch (err) {
      if (err instanceof ApplicationFailure) throw err;
      if (!(err instanceof ApiError)) throw isNetworkError(err) ? unreachable(API, err, [endpoint.apiKey]) : err;
      const body = parseBody(err.message);
      const wait = retryAfterMs((name) => failed?.headers.get(name)) ?? retryDelayMs(body);
      const apiMessage = body?.error?.message ?? err.message;
      throw apiFailure(
        { api: API, status: err.status, apiMessage: redact(apiMessage, [endpoint.apiKey]), retryAfterMs: wait },
        [endpoint.apiKey],
      );
    }
  };
}

/** fetch's own failures (refused, reset, timed out), as opposed to a bug in this module. */
const isNetworkError = (err: unknown) =>
  err instanceof Error &&
  ((err instanceof TypeError && err.message === 'fetch failed') ||
    err.name === 'AbortError' ||
    err.name === 'TimeoutError');

interface GoogleErrorBody {
  error?: { message?: string; details?: { '@type'?: string; retryDelay?: string }[] };
}

/** The SDK's error message is the answer's JSON body. */
function parseBody(message: string): GoogleErrorBody | undefined {
  try {
    return JSON.parse(message) as GoogleErrorBody;
  } catch {
    return undefined;
  }
}

/** google.rpc.RetryInfo's retryDelay, a protobuf Duration such as "37s" or "1.5s". */
function retryDelayMs(body: GoogleErrorBody | undefined): number | undefined {
  const delay = body?.error?.details?.find((d) => d['@type']?.endsWith('google.rpc.RetryInfo'))?.retryDelay;
  const secs = delay ? /^(\d+(?:\.\d+)?)s$/.exec(delay)?.[1] : undefined;
  return secs ? Math.round(Number(secs) * 1000) : undefined;
}
