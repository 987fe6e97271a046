// `aofctl mcp`'s HTTP app over a test stack's Temporal client, with the tokens its daemon config names, and
// the SDK's own MCP client over streamable HTTP to call it with a token: what the MCP server tests share.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Logger } from '../../src/log.js';
import { listen } from '../../src/ingress/listen.js';
import { deadlineCaller } from '../../src/ingress/temporal-unavailable.js';
import { pullRequestState } from '../../src/mcp/pull-request-state.js';
import { mcpApp } from '../../src/mcp/server.js';
import { mcpTokens } from '../../src/mcp/tokens.js';
import type { Stack } from './stack.js';

/** A tool's answer as the tests read it. */
export interface ToolAnswer {
  isError?: boolean;
  structuredContent?: any;
  content: { type: string; text: string }[];
}

/** Serves the MCP app for `stack` (its daemon's tokens must all resolve) on a free local port. */
export async function startMcpEndpoint(stack: Pick<Stack, 'resources' | 'client'>, logger: Logger) {
  const { tokens, problems } = mcpTokens(stack.resources.daemon, 'daemon.yaml');
  assert.deepEqual(problems, []);
  const app = mcpApp({
    tokens,
    state: pullRequestState(deadlineCaller(stack.client, 10_000)),
    logger,
    version: 'test',
  });
  const http: Server = await listen(app, 0, '127.0.0.1', 60);
  const url = new URL(`http://127.0.0.1:${(http.address() as { port: number }).port}/mcp`);
  const clients: Client[] = [];
  return {
    url,
    /** An MCP client connected with `token`. */
    async connect(token: string): Promise<Client> {
      const client = new Client({ name: 'mcp-test', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(url, { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
      );
      clients.push(client);
      return client;
    },
    async call(client: Client, name: string, args: Record<string, unknown>): Promise<ToolAnswer> {
      return (await client.callTool({ name, arguments: args })) as ToolAnswer;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      http.close();
    },
  };
}
