// The common part of the fake model APIs: a local HTTP server that records each JSON request and
// answers from a per-test script (or a responder computed from the request once the script is used up).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  at: number;
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export abstract class ScriptedApi<Reply> {
  readonly requests: RecordedRequest[] = [];
  private replies: (Reply | (() => Promise<Reply>))[] = [];
  private responder?: (body: any) => Reply;
  private server?: Server;

  /** An error answer in this API's own shape. */
  protected abstract error(status: number, message: string, headers?: Record<string, string>): Answer;
  /** Why the real API would refuse this request (path, headers, body), if it would. */
  protected abstract check(req: IncomingMessage, body: any): Answer | undefined;
  protected abstract render(reply: Reply, req: RecordedRequest): Answer;

  /** Replies for the next requests, in order. */
  script(...replies: (Reply | (() => Promise<Reply>))[]): void {
    this.replies.push(...replies);
  }

  respondWith(fn: (body: any) => Reply): void {
    this.responder = fn;
  }

  reset(): void {
    this.requests.length = 0;
    this.replies = [];
    this.responder = undefined;
  }

  async start(): Promise<string> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const send = (a: Answer) => {
        res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
        res.end(JSON.stringify(a.body));
      };
      let body: any;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
      } catch {
        return send(this.error(400, 'Invalid JSON payload received.'));
      }
      const recorded = { at: Date.now(), method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      this.requests.push(recorded);
      const refused = this.check(req, body);
      if (refused) return send(refused);
      const next = this.replies.shift() ?? (this.responder ? () => Promise.resolve(this.responder!(body)) : undefined);
      if (!next) return send(this.error(500, 'fake script exhausted'));
      send(this.render(typeof next === 'function' ? await (next as () => Promise<Reply>)() : next, recorded));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => (this.server ? this.server.close(r) : r(undefined)));
  }
}
