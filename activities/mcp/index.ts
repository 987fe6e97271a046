// MCP activities: the tools of an agent's MCP servers, listed once when its run starts, and each call of
// one. What crosses into the workflow is bounded (src/agents/mcp-tools.ts) and holds no secret: a server
// that cannot be reached is a line in the listing; a tool's error (isError) is a tool error for the model;
// a server that fails or times out during a call is thrown, for Temporal to retry (bounded attempts, see
// workflows/activities.ts), and the workflow then tells the model.
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ApplicationFailure } from '@temporalio/common';
import type { McpServer } from '../../src/config/mcp-servers.js';
import {
  MAX_DEFINITIONS_CHARS,
  MAX_DESCRIPTION_CHARS,
  MAX_MCP_TOOLS,
  MAX_SCHEMA_CHARS,
  MCP_RESULT_LIMIT,
  mcpToolName,
  type McpTool,
  type McpToolListing,
} from '../../src/agents/mcp-tools.js';
import { untrustedToolOutput } from '../../src/agents/prompt.js';
import { fit } from '../../src/forges/text-limits.js';
import { redact } from '../llm/failures.js';
import { MissingVariables, resolveServer, type McpConnections, type ResolvedServer } from './connect.js';

export interface McpCall {
  server: McpServer;
  /** The tool's own name on the server. */
  tool: string;
  input: unknown;
}

export type McpCallOutcome = { ok: boolean; content: string };

/** Pages of a server's tool list read at most (each page may hold many tools). */
const MAX_PAGES = 5;
const ANY_OBJECT = { type: 'object', additionalProperties: true };

/** The schema without its `$schema` dialect, as the built-in tools' definitions are sent. */
const withoutDialect = ({ $schema: _, ...schema }: Record<string, unknown>) => schema;

const messageOf = (err: unknown, r?: ResolvedServer) =>
  fit(redact(err instanceof Error ? err.message : String(err), r?.secrets ?? []), { max: 500, unit: 'chars' }, '…');

/** Errors of the connection (closed, timed out, unreachable) rather than an answer of the server. */
const connectionFailed = (err: unknown) =>
  !(err instanceof McpError) || err.code === ErrorCode.ConnectionClosed || err.code === ErrorCode.RequestTimeout;

async function listed(client: Client, server: McpServer) {
  const tools: { name: string; description?: string; inputSchema: unknown }[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await client.listTools(cursor ? { cursor } : undefined, { timeout: server.timeout_secs * 1000 });
    tools.push(...res.tools);
    cursor = res.nextCursor;
    if (!cursor) break;
  }
  return tools;
}

export function createMcpActivities(pool: McpConnections, env: NodeJS.ProcessEnv = process.env) {
  return {
    /** The tools an agent is offered from its servers, named for every model API and within the caps. */
    async listMcpTools({ servers }: { servers: McpServer[] }): Promise<McpToolListing> {
      const answers = await Promise.all(
        servers.map(async (server) => {
          let r: ResolvedServer | undefined;
          try {
            r = resolveServer(server, env);
            return { server, tools: await listed(await pool.client(r), server) };
          } catch (err) {
            if (r) await pool.drop(r);
            return { server, error: messageOf(err, r) };
          }
        }),
      );
      const listing: McpToolListing = { tools: [], unavailable: [], notes: [] };
      const taken = new Set<string>();
      let size = 0;
      for (const a of answers) {
        if (a.error !== undefined) {
          listing.unavailable.push({ server: a.server.name, error: a.error });
          continue;
        }
        const offered = a.server.tools;
        const tools = offered ? a.tools!.filter((t) => offered.includes(t.name)) : a.tools!;
        for (const name of offered ?? [])
          if (!a.tools!.some((t) => t.name === name))
            listing.notes.push(`MCP server "${a.server.name}" has no tool "${name}" (named in its tools:)`);
        for (const t of tools) {
          if (listing.tools.length >= MAX_MCP_TOOLS) {
            listing.notes.push(`MCP server "${a.server.name}": tool "${t.name}" left out (at most ${MAX_MCP_TOOLS})`);
            continue;
          }
          const schemaText = JSON.stringify(t.inputSchema ?? ANY_OBJECT);
          const bigSchema = schemaText.length > MAX_SCHEMA_CHARS;
          const description = fit(
            `${t.description ?? t.name}${bigSchema ? ' (its input schema was too large to send: give a JSON object)' : ''}`,
            { max: MAX_DESCRIPTION_CHARS, unit: 'chars' },
            '…',
          );
          const tool: McpTool = {
            name: mcpToolName(a.server.name, t.name, taken),
            description,
            input_schema: bigSchema ? ANY_OBJECT : withoutDialect(t.inputSchema as Record<string, unknown>),
            server: a.server.name,
            tool: t.name,
          };
          const cost = JSON.stringify(tool).length;
          if (size + cost > MAX_DEFINITIONS_CHARS) {
            listing.notes.push(
              `MCP server "${a.server.name}": tool "${t.name}" left out (the definitions reached ${MAX_DEFINITIONS_CHARS} characters)`,
            );
            continue;
          }
          size += cost;
          taken.add(tool.name);
          listing.tools.push(tool);
        }
      }
      return listing;
    },

    /** One call of a server's tool; its text reaches the model as untrusted data, cut with a note. */
    async callMcpTool({ server, tool, input }: McpCall): Promise<McpCallOutcome> {
      if (server.tools && !server.tools.includes(tool))
        return { ok: false, content: `tool "${tool}" of MCP server "${server.name}" is not in its tools: list` };
      if (!input || typeof input !== 'object' || Array.isArray(input))
        return { ok: false, content: `the input of ${tool} must be a JSON object` };
      let r: ResolvedServer;
      try {
        r = resolveServer(server, env);
      } catch (err) {
        if (err instanceof MissingVariables) return { ok: false, content: err.message };
        throw err;
      }
      try {
        const client = await pool.client(r);
        const res = await client.callTool({ name: tool, arguments: input as Record<string, unknown> }, undefined, {
          timeout: server.timeout_secs * 1000,
        });
        const items = (res.content ?? []) as { type: string; text?: string }[];
        const texts = items.flatMap((c) => (c.type === 'text' && typeof c.text === 'string' ? [c.text] : []));
        const other = items.length - texts.length;
        const text = [...texts, other ? `(${other} non-text content item(s) left out)` : ''].filter(Boolean).join('\n');
        return {
          ok: res.isError !== true,
          content: untrustedToolOutput(server.name, tool, fit(redact(text, r.secrets), MCP_RESULT_LIMIT)),
        };
      } catch (err) {
        if (!connectionFailed(err))
          // The server answered with an error (an unknown tool, invalid arguments): the model's to handle.
          return {
            ok: false,
            content: untrustedToolOutput(server.name, tool, `error: ${messageOf(err, r)}`),
          };
        await pool.drop(r);
        throw ApplicationFailure.create({
          type: 'McpServerFailed',
          message: `MCP server "${server.name}" failed on ${tool}: ${messageOf(err, r)}`,
        });
      }
    },
  };
}

export type McpActivities = ReturnType<typeof createMcpActivities>;
