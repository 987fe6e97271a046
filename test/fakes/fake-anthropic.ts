// A fake Anthropic Messages API as a local HTTP server, scripted per test. It checks requests the way
// the real API does (key, version header, message alternation, tool_use/tool_result pairing) and answers
// in the real shapes, including 429 with retry-after-ms and 529 overloaded.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ContentBlock } from '../../src/agents/model-types.js';

export type FakeReply =
  | {
      content: ContentBlock[];
      stop_reason?: string;
      usage?: Partial<
        Record<'input_tokens' | 'output_tokens' | 'cache_read_input_tokens' | 'cache_creation_input_tokens', number>
      >;
    }
  | { status: number; headers?: Record<string, string>; error: { type: string; message: string } };

export interface FakeRequest {
  at: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  /** The usage answered, once answered. */
  usage?: Record<string, number>;
}

export const text = (t: string): FakeReply => ({ content: [{ type: 'text', text: t }], stop_reason: 'end_turn' });
export const toolUse = (
  name: string,
  input: unknown,
  id = `toolu_${Math.random().toString(36).slice(2, 10)}`,
): FakeReply => ({
  content: [{ type: 'tool_use', id, name, input }],
  stop_reason: 'tool_use',
});
export const tools = (...calls: [string, unknown][]): FakeReply => ({
  content: calls.map(([name, input], i) => ({
    type: 'tool_use' as const,
    id: `toolu_multi_${i}_${Math.random().toString(36).slice(2, 8)}`,
    name,
    input,
  })),
  stop_reason: 'tool_use',
});
/** The function ids a gate reviewer's request asks about (header lines `[f1] path name (lines a-b)`), in order. */
export const gateIds = (body: any): string[] => {
  const first = body.messages[0].content;
  return [...String(typeof first === 'string' ? first : '').matchAll(/^\[(f\d+)\] /gm)].map((m) => m[1]!);
};

/** A gate reviewer's answer keyed by function id; `each(id)` is that function's review. */
export const gateAnswer = (body: any, each: (id: string) => unknown = () => ({ score: 90, findings: [] })): FakeReply =>
  text(JSON.stringify(Object.fromEntries(gateIds(body).map((id) => [id, each(id)]))));

export const rateLimited = (ms: number): FakeReply => ({
  status: 429,
  headers: { 'retry-after-ms': String(ms), 'retry-after': String(Math.ceil(ms / 1000)) },
  error: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' },
});
export const overloaded = (): FakeReply => ({
  status: 529,
  error: { type: 'overloaded_error', message: 'Overloaded' },
});

/** Tokens as the fake counts them: a quarter of the characters. */
const tokensOf = (value: unknown) => Math.ceil((typeof value === 'string' ? value : JSON.stringify(value)).length / 4);

/**
 * Prompt caching as the API does it: the prefix up to the last tools or system block marked with
 * cache_control is cached when it is at least `minCacheable` tokens; a later request with the same prefix
 * (and model) within the TTL reads it (cache_read_input_tokens) instead of paying for it again
 * (cache_creation_input_tokens on the first). An entry is readable only once the response that wrote it
 * is sent, so requests sent together all write. input_tokens counts what follows the prefix.
 */
export class FakePromptCache {
  private entries = new Map<string, number>();
  constructor(
    public minCacheable = 1024,
    private ttlMs = 5 * 60_000,
  ) {}

  /** The usage of a request's input, and the entry to write once the response is sent. */
  price(body: any): { usage: Record<string, number>; write?: () => void } {
    const tools: any[] = body.tools ?? [];
    const system: any[] = typeof body.system === 'string' ? [{ type: 'text', text: body.system }] : (body.system ?? []);
    const blocks = [
      ...tools.map((t) => ({ block: t, tokens: tokensOf(t) })),
      ...system.map((b) => ({ block: b, tokens: tokensOf(b.text) })),
    ];
    const total = blocks.reduce((n, b) => n + b.tokens, 0) + tokensOf(body.messages);
    const last = blocks.map((b) => Boolean(b.block.cache_control)).lastIndexOf(true);
    const prefix = blocks.slice(0, last + 1).reduce((n, b) => n + b.tokens, 0);
    const none = { input_tokens: total, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
    if (last < 0 || prefix < this.minCacheable) return { usage: none };
    const key = JSON.stringify([body.model, blocks.slice(0, last + 1).map((b) => b.block)]);
    const now = Date.now();
    if ((this.entries.get(key) ?? 0) > now) {
      this.entries.set(key, now + this.ttlMs);
      return { usage: { ...none, input_tokens: total - prefix, cache_read_input_tokens: prefix } };
    }
    return {
      usage: { ...none, input_tokens: total - prefix, cache_creation_input_tokens: prefix },
      write: () => this.entries.set(key, Date.now() + this.ttlMs),
    };
  }

  clear(): void {
    this.entries.clear();
  }
}

export class FakeAnthropic {
  readonly requests: FakeRequest[] = [];
  readonly promptCache = new FakePromptCache();
  private replies: (FakeReply | (() => Promise<FakeReply>))[] = [];
  private responder?: (body: any) => FakeReply | Promise<FakeReply>;
  private server?: Server;

  /** Replies for the next requests, in order. A function reply may wait (e.g. to hold a turn). */
  script(...replies: (FakeReply | (() => Promise<FakeReply>))[]): void {
    this.replies.push(...replies);
  }

  /** Answers computed from each request, once the script is used up (for parallel callers). */
  respondWith(fn: (body: any) => FakeReply | Promise<FakeReply>): void {
    this.responder = fn;
  }

  reset(): void {
    this.requests.length = 0;
    this.promptCache.clear();
    this.replies = [];
    this.responder = undefined;
  }

  async start(): Promise<string> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, {
          'content-type': 'application/json',
          'request-id': `req_${this.requests.length}`,
          ...headers,
        });
        res.end(JSON.stringify(body));
      };
      const error = (status: number, type: string, message: string, headers?: Record<string, string>) =>
        send(status, { type: 'error', error: { type, message } }, headers);
      if (req.method !== 'POST' || req.url !== '/v1/messages')
        return error(404, 'not_found_error', `Not found: ${req.method} ${req.url}`);
      let body: any;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return error(400, 'invalid_request_error', 'invalid JSON');
      }
      const recorded: FakeRequest = { at: Date.now(), headers: req.headers, body };
      this.requests.push(recorded);
      if (!req.headers['x-api-key'] && !req.headers.authorization)
        return error(401, 'authentication_error', 'x-api-key header is required');
      if (!req.headers['anthropic-version'])
        return error(400, 'invalid_request_error', 'anthropic-version header is required');
      const problem = validate(body);
      if (problem) return error(400, 'invalid_request_error', problem);
      // The prompt is read (and its cache looked up) as it arrives, before the answer is made.
      const priced = this.promptCache.price(body);
      const next = this.replies.shift() ?? (this.responder ? () => Promise.resolve(this.responder!(body)) : undefined);
      if (!next) return error(500, 'api_error', 'fake script exhausted');
      const reply = typeof next === 'function' ? await next() : next;
      if ('status' in reply) return send(reply.status, { type: 'error', error: reply.error }, reply.headers);
      const usage = { ...priced.usage, output_tokens: 20, ...reply.usage };
      recorded.usage = usage;
      priced.write?.();
      send(200, {
        id: `msg_${this.requests.length}`,
        type: 'message',
        role: 'assistant',
        model: body.model,
        content: reply.content,
        stop_reason: reply.stop_reason ?? 'end_turn',
        stop_sequence: null,
        usage,
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => (this.server ? this.server.close(r) : r(undefined)));
  }
}

/** The system prompt's text, whether sent as a string or as text blocks (with cache_control). */
export const systemText = (body: any): string =>
  typeof body.system === 'string' ? body.system : (body.system ?? []).map((b: any) => b.text).join('\n');

/** The request checks of the real API that this project could get wrong. */
function validate(body: any): string | undefined {
  if (typeof body.model !== 'string') return 'model: Field required';
  if (!Number.isInteger(body.max_tokens)) return 'max_tokens: Field required';
  if (body.system !== undefined && typeof body.system !== 'string') {
    if (
      !Array.isArray(body.system) ||
      body.system.some((b: any) => b.type !== 'text' || typeof b.text !== 'string' || !b.text)
    )
      return 'system: must be a string or a list of non-empty text blocks';
  }
  const marked = [body.system, body.tools]
    .flatMap((l) => (Array.isArray(l) ? l : []))
    .filter((b: any) => b.cache_control);
  if (marked.some((b: any) => b.cache_control.type !== 'ephemeral'))
    return "cache_control.type: Input should be 'ephemeral'";
  if (marked.length > 4) return 'A maximum of 4 blocks with cache_control may be provided.';
  const msgs = body.messages;
  if (!Array.isArray(msgs) || msgs.length === 0) return 'messages: at least one message is required';
  for (let i = 0; i < msgs.length; i++) {
    const expected = i % 2 === 0 ? 'user' : 'assistant';
    if (msgs[i].role !== expected)
      return `messages.${i}.role: roles must alternate between "user" and "assistant", starting with "user"`;
    const prev = msgs[i - 1];
    const uses = Array.isArray(prev?.content)
      ? prev.content.filter((b: any) => b.type === 'tool_use').map((b: any) => b.id)
      : [];
    const results = Array.isArray(msgs[i].content)
      ? msgs[i].content.filter((b: any) => b.type === 'tool_result').map((b: any) => b.tool_use_id)
      : [];
    if (prev?.role === 'assistant' && uses.length && uses.some((id: string) => !results.includes(id))) {
      return `messages.${i}: tool_use ids were found without tool_result blocks immediately after: ${uses.filter((id: string) => !results.includes(id)).join(', ')}`;
    }
    if (results.some((id: string) => !uses.includes(id)))
      return `messages.${i}.content: unexpected tool_use_id found in tool_result blocks`;
  }
  for (const t of body.tools ?? [])
    if (!t.name || !t.input_schema || t.input_schema.type !== 'object')
      return `tools: invalid tool definition ${t.name}`;
  return undefined;
}
