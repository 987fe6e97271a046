// Connections to MCP servers through the official SDK, one pool per worker process: a stdio server is
// started on first use and kept (keyed by its resolved configuration, so two agents naming the same
// server share one process); a server whose process died, or whose connection failed, is forgotten and
// started or connected again on its next use; all are closed when the worker shuts down. Its `env` and
// the `${VAR}` of its `headers` are read here, from the worker's own environment: workflow input and
// history hold only their names.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { createHash } from 'node:crypto';
import { expandString } from '../../src/config/env.js';
import type { McpServer } from '../../src/config/mcp-servers.js';

/** A server's configuration with the worker's values: what the pool connects with. */
export interface ResolvedServer {
  server: McpServer;
  env: Record<string, string>;
  headers: Record<string, string>;
  /** The values read from the environment, kept out of any message. */
  secrets: string[];
}

/** A variable the server's entry names is not set on this worker: said to the model, never retried. */
export class MissingVariables extends Error {}

const REFERENCES = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}/g;

export function resolveServer(server: McpServer, source: NodeJS.ProcessEnv): ResolvedServer {
  const missing: string[] = [];
  const secrets: string[] = [];
  const read = (name: string) => {
    const v = source[name];
    if (v === undefined || v === '') missing.push(name);
    else secrets.push(v);
    return v ?? '';
  };
  const env = Object.fromEntries(
    Object.entries(server.env).map(([k, ref]) => [k, read(ref.replace(/^\$\{(.*)\}$/, '$1'))]),
  );
  const headers = Object.fromEntries(
    Object.entries(server.headers).map(([k, v]) => {
      for (const [, name] of v.matchAll(REFERENCES)) if (source[name]) secrets.push(source[name]);
      return [k, expandString(v, source, missing)];
    }),
  );
  if (missing.length)
    throw new MissingVariables(
      `MCP server "${server.name}" needs ${[...new Set(missing)].join(', ')} from the worker's environment, which is not set there`,
    );
  return { server, env, headers, secrets };
}

function transportOf({ server, env, headers }: ResolvedServer, cwd: string): Transport {
  if (server.transport === 'stdio')
    // The SDK's default environment (PATH, HOME...) plus the entry's own: no other secret of the worker.
    return new StdioClientTransport({ command: server.command!, args: server.args, env, cwd, stderr: 'inherit' });
  const url = new URL(server.endpoint!);
  return server.transport === 'sse'
    ? new SSEClientTransport(url, { requestInit: { headers } })
    : new StreamableHTTPClientTransport(url, { requestInit: { headers } });
}

export class McpConnections {
  private open = new Map<string, Promise<Client>>();
  private closed = false;

  /** `cwd`: where stdio servers start (the daemon config's folder: relative commands are relative to it). */
  constructor(private cwd: string) {}

  private keyOf(r: ResolvedServer): string {
    const { name: _, tools: __, timeout_secs: ___, ...how } = r.server;
    return createHash('sha256')
      .update(JSON.stringify({ ...how, env: r.env, headers: r.headers }))
      .digest('hex');
  }

  /** The connected client of a server, connecting (a stdio server: starting it) when there is none. */
  client(r: ResolvedServer): Promise<Client> {
    if (this.closed) return Promise.reject(new Error('the worker is shutting down'));
    const key = this.keyOf(r);
    const known = this.open.get(key);
    if (known) return known;
    const connecting = (async () => {
      const client = new Client({ name: 'aof-temporal', version: '1.0.0' });
      // A stdio process that exits, or a connection that closes: the next use connects again.
      client.onclose = () => {
        if (this.open.get(key) === connecting) this.open.delete(key);
      };
      await client.connect(transportOf(r, this.cwd), { timeout: r.server.timeout_secs * 1000 });
      return client;
    })();
    this.open.set(key, connecting);
    connecting.catch(() => {
      if (this.open.get(key) === connecting) this.open.delete(key);
    });
    return connecting;
  }

  /** Closes a server's connection after a failure (a stdio server's process ends); the next use reconnects. */
  async drop(r: ResolvedServer): Promise<void> {
    const key = this.keyOf(r);
    const known = this.open.get(key);
    this.open.delete(key);
    await known?.then((c) => c.close()).catch(() => undefined);
  }

  get size(): number {
    return this.open.size;
  }

  async closeAll(): Promise<void> {
    this.closed = true;
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map((p) => p.then((c) => c.close()).catch(() => undefined)));
  }
}
