// An agent's MCP servers (`mcp_servers`, as AOF writes them): each entry says how the worker reaches the
// server (stdio: a program it starts; sse or http: an endpoint) and which of its tools the agent is
// offered. AOF's examples also name a server by itself (`mcp_servers: [security-tools]`): that names an
// entry of the DaemonConfig's `spec.mcp_servers`, resolved at load (src/config/load.ts).
// `env` values and `${VAR}` in `headers` are read by the worker from its own environment when it connects
// (activities/mcp/connect.ts): the workflow's input and history hold only the names.
import { z } from 'zod';
import { envName, name } from './primitives.js';

export const MCP_TRANSPORTS = ['stdio', 'sse', 'http'] as const;

/** `API_TOKEN` or `${API_TOKEN}`: a variable of the worker's environment, never its value. */
const envReference = z
  .string()
  .regex(
    /^(\$\{[A-Z_][A-Z0-9_]*\}|[A-Z_][A-Z0-9_]*)$/,
    "the name of a variable of the worker's environment, such as API_TOKEN or ${API_TOKEN} (its value is read by the worker, never written here)",
  );

export const McpServerEntry = z
  .strictObject({
    name,
    transport: z.enum(MCP_TRANSPORTS).default('stdio'),
    /** stdio: the program the worker starts, and its arguments. */
    command: z.string().min(1).optional(),
    args: z.array(z.string()).default([]),
    /** stdio: the server's environment, each value naming a variable of the worker's environment. */
    env: z.record(envName, envReference).default({}),
    /** sse or http: where the server listens. */
    endpoint: z.url({ protocol: /^https?$/, error: 'an http or https URL' }).optional(),
    /** sse or http: request headers; `${VAR}` in a value is read from the worker's environment. */
    headers: z.record(z.string().min(1), z.string()).default({}),
    /** The server's tools the agent is offered (all when absent). */
    tools: z.array(z.string().min(1)).min(1).optional(),
    /** Longest one call (or the listing of the tools) may take; each call is tried up to 3 times. */
    timeout_secs: z.number().positive().max(600).default(30),
  })
  .superRefine((e, ctx) => {
    const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (e.transport === 'stdio') {
      if (!e.command) problem('command', 'a stdio server needs command: the program the worker starts');
      if (e.endpoint) problem('endpoint', 'endpoint is for sse and http servers; a stdio server has command');
      if (Object.keys(e.headers).length) problem('headers', 'headers are for sse and http servers');
    } else {
      if (!e.endpoint) problem('endpoint', `an ${e.transport} server needs endpoint: its http or https URL`);
      if (e.command) problem('command', `command is for stdio servers; an ${e.transport} server has endpoint`);
      if (Object.keys(e.env).length) problem('env', `env is for stdio servers (an ${e.transport} server has headers)`);
    }
  });

export type McpServer = z.output<typeof McpServerEntry>;

/** Entry names within one list are unique (they prefix the tools' names). */
export const uniqueNames = (entries: (string | { name: string })[], ctx: z.RefinementCtx) => {
  const seen = new Set<string>();
  entries.forEach((e, i) => {
    const n = typeof e === 'string' ? e : e.name;
    if (seen.has(n)) ctx.addIssue({ code: 'custom', path: [i], message: `MCP server "${n}" is listed twice` });
    seen.add(n);
  });
};

/** An agent's `mcp_servers`: entries, or names of the DaemonConfig's entries (replaced by them at load). */
export const AgentMcpServers = z
  .array(z.union([name, McpServerEntry]))
  .superRefine(uniqueNames)
  .optional();

/** The DaemonConfig's `mcp_servers`: entries any agent may name. */
export const SharedMcpServers = z.array(McpServerEntry).superRefine(uniqueNames).optional();
