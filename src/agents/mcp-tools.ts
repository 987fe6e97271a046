// What an agent run knows of its MCP servers' tools: the listing made once when the run starts (kept in
// its history, so a replay sees the same tools), with the names the model calls them by. Bounded: the
// listing travels with every model turn, so tools, descriptions and schemas are capped, with a note.
// Pure: workflow code imports it.
import type { Limit } from '../forges/text-limits.js';
import type { ToolDefinition } from './tools.js';

/** At most this many MCP tools per run (all servers together). */
export const MAX_MCP_TOOLS = 64;
export const MAX_DESCRIPTION_CHARS = 1000;
/** A tool's input schema as JSON; a larger one is replaced by "any object" with a note. */
export const MAX_SCHEMA_CHARS = 4000;
/** All MCP definitions of a run together (they are in every model turn's request). */
export const MAX_DEFINITIONS_CHARS = 48_000;
/** A tool's result as the model gets it (text only), cut with a note (`fit`, src/forges/text-limits.ts). */
export const MCP_RESULT_LIMIT: Limit = { max: 16_000, unit: 'chars', of: 'the MCP result' };

export interface McpTool extends ToolDefinition {
  /** The entry's name in `mcp_servers`. */
  server: string;
  /** The tool's own name on the server. */
  tool: string;
}

export interface McpToolListing {
  tools: McpTool[];
  /** Servers that could not be listed, with why (no secret in it). */
  unavailable: { server: string; error: string }[];
  /** What was left out to stay within the caps. */
  notes: string[];
}

/**
 * The name the model calls a tool by: `<server>__<tool>`, within 64 characters of [a-zA-Z0-9_-], starting
 * with a letter or `_` (what every provider accepts), unique among `taken`.
 */
export function mcpToolName(server: string, tool: string, taken: ReadonlySet<string>): string {
  const base = `${prefixOf(server)}${tool.replace(/[^a-zA-Z0-9_-]/g, '_')}`.slice(0, 64);
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base.slice(0, 64 - String(n).length - 1)}_${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** `<server>__` as names carry it: [a-zA-Z0-9_-] only, starting with a letter or `_` (Gemini's rule). */
const prefixOf = (server: string) =>
  `${/^[a-zA-Z_]/.test(server) ? '' : 'm'}${server.replace(/[^a-zA-Z0-9_-]/g, '_')}__`;

/** The server a model-facing name belongs to, by its `<server>__` prefix (for a tool not offered). */
export const serverOfName = (name: string, servers: readonly string[]): string | undefined =>
  servers.find((s) => name.startsWith(prefixOf(s)));
