// A small MCP server for the tests: a real process speaking the protocol through the SDK's McpServer,
// over stdio (`mcp-test-server.ts stdio`), streamable HTTP (`http <port>`) or SSE (`sse <port>`). Over
// HTTP it answers only requests with `authorization: Bearer $MCP_TEST_TOKEN` when that is set.
// Tools: echo, fail (a tool error), secret_digest (a digest of $MCP_SECRET, never the value), slow,
// pid (which process answered), big (more text than an agent may get), crash (the process exits), wide
// (an input schema larger than an agent's definitions may carry, replaced by "any object").
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';

const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] });

/** The same digest as mcp-server-process.ts's `secretDigest` (this file runs as a process, not a module). */
const secretDigest = (secret: string) => createHash('sha256').update(secret).digest('hex').slice(0, 16);

function server(): McpServer {
  const s = new McpServer({ name: 'aof-test-tools', version: '1.0.0' });
  s.registerTool(
    'echo',
    { description: 'Echo the text back.', inputSchema: { text: z.string() } },
    async ({ text: t }) => text(`echo: ${t}`),
  );
  s.registerTool('fail', { description: 'Always fails.' }, async () => ({
    ...text('the tool failed on purpose'),
    isError: true,
  }));
  s.registerTool('secret_digest', { description: 'A digest of MCP_SECRET from its environment.' }, async () =>
    text(process.env.MCP_SECRET ? `digest ${secretDigest(process.env.MCP_SECRET)}` : 'MCP_SECRET is not set'),
  );
  s.registerTool(
    'slow',
    { description: 'Answers after ms milliseconds.', inputSchema: { ms: z.number() } },
    async ({ ms }) => {
      await sleep(ms);
      return text(`slept ${ms} ms`);
    },
  );
  s.registerTool('pid', { description: 'The id of the process that answers.' }, async () => text(`pid ${process.pid}`));
  s.registerTool('big', { description: 'A long text.' }, async () => text('x'.repeat(100_000)));
  s.registerTool(
    'wide',
    {
      description: 'Takes many optional fields.',
      inputSchema: Object.fromEntries(
        Array.from({ length: 100 }, (_, i) => [`field_${i}`, z.string().optional().describe(`The field number ${i}.`)]),
      ),
    },
    async (args) => text(`fields: ${Object.keys(args).join(', ')}`),
  );
  s.registerTool('crash', { description: 'The server process exits.' }, async () => process.exit(3));
  return s;
}

const [mode = 'stdio', port = '0'] = process.argv.slice(2);
const token = process.env.MCP_TEST_TOKEN;

if (mode === 'stdio') {
  await server().connect(new StdioServerTransport());
} else {
  const sse = new Map<string, SSEServerTransport>();
  const http = createServer(async (req, res) => {
    if (token && req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401).end('unauthorized');
      return;
    }
    if (mode === 'http') {
      // Stateless: a server and transport per request, as the SDK documents it.
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => void transport.close());
      await server().connect(transport);
      await transport.handleRequest(req, res);
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET') {
      const transport = new SSEServerTransport('/messages', res);
      sse.set(transport.sessionId, transport);
      res.on('close', () => sse.delete(transport.sessionId));
      await server().connect(transport);
      return;
    }
    const transport = sse.get(url.searchParams.get('sessionId') ?? '');
    if (!transport) res.writeHead(404).end('no session');
    else await transport.handlePostMessage(req, res);
  });
  http.listen(Number(port), '127.0.0.1', () => {
    const address = http.address() as { port: number };
    process.stdout.write(`listening ${address.port}\n`);
  });
}
