// The HTTP shell of both forge sandboxes (GitHub's and GitLab's): a local server that hands each request
// to the sandbox's handler, started on a port (0: any free one) and stopped with its connections closed.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export abstract class SandboxHttpServer {
  private server?: Server;

  /** `notStarted` is what reading `url` throws before `start`. */
  constructor(private readonly notStarted: string) {}

  protected abstract handle(req: IncomingMessage, res: ServerResponse): Promise<void>;

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
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
