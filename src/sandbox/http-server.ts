// The HTTP shell of the forge sandboxes (GitHub's, GitLab's and Bitbucket's): a local server that hands each request
// to the sandbox's handler, started on a port (0: any free one) and stopped with its connections closed.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export abstract class SandboxHttpServer {
  private server?: Server;
  /** TCP connections accepted since start: how a test sees whether its client reuses them. */
  connectionsOpened = 0;

  /**
   * `notStarted` is what reading `url` throws before `start`; `keepAliveMs`, how long an idle connection is
   * kept open (and announced in `Keep-Alive: timeout=`): the forge's own, where it is known, not Node's 5 s.
   */
  constructor(
    private readonly notStarted: string,
    private readonly keepAliveMs?: number,
  ) {}

  protected abstract handle(req: IncomingMessage, res: ServerResponse): Promise<void>;

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    if (this.keepAliveMs !== undefined) this.server.keepAliveTimeout = this.keepAliveMs;
    this.server.on('connection', () => this.connectionsOpened++);
    await new Promise<void>((resolve) => this.server!.listen(port, host, resolve));
    return this.url;
  }

  /** The server's base URL, `http://127.0.0.1:<port>`. */
  get url(): string {
    const a = this.server?.address() as AddressInfo | undefined;
    if (!a) throw new Error(this.notStarted);
    return `http://127.0.0.1:${a.port}`;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }
}

/** A request as a forge sandbox records it. */
export interface SandboxRequest {
  method: string;
  /** The path as sent (still percent-encoded). */
  path: string;
  /** The query string without its `?` ('' when none). */
  query: string;
  body?: unknown;
  /** The answer's status; 0 for a connection reset by fault injection. */
  status: number;
  at: number;
}

/** A scripted fault: the next `remaining` requests whose `METHOD /path` matches `match` (all, without). */
export interface ScriptedFault {
  remaining: number;
  match?: RegExp;
}

/** Uses up one turn of the first fault that applies to `key` (`METHOD /path`), and returns it. */
export function takeFault<F extends ScriptedFault>(faults: F[], key: string): F | undefined {
  const fault = faults.find((f) => f.remaining > 0 && (!f.match || f.match.test(key)));
  if (fault) fault.remaining--;
  return fault;
}

/**
 * Reads a request's body and records the request in `log` (its status filled in when answered); `send`
 * answers it in JSON unless told otherwise, with `headers` on every answer.
 */
export async function recordedExchange<R extends SandboxRequest>(
  req: IncomingMessage,
  res: ServerResponse,
  base: string,
  log: R[],
  headers: Record<string, string> = {},
) {
  const url = new URL(req.url ?? '/', base);
  const method = req.method ?? 'GET';
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  const entry = { method, path: url.pathname, query: url.search.slice(1), status: 0, at: Date.now() } as R;
  log.push(entry);
  const send = (status: number, body: unknown, more: Record<string, string> = {}, type?: string) => {
    entry.status = status;
    res.writeHead(status, { 'content-type': type ?? 'application/json', ...headers, ...more });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  return { url, method, raw, entry, send };
}
