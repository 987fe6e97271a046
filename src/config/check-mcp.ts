// An agent's `mcp_servers` that name a server (AOF's `mcp_servers: [security-tools]`) get the entry of that
// name from the DaemonConfig's `spec.mcp_servers`. A name defined nowhere is a warning (the agent loads and
// runs without that server, never silently): AOF's own examples name servers they do not define. After
// this, an agent's `mcp_servers` holds entries only, and none when it has no server to connect.
import { problemAt, type Sourced } from './parse-resources.js';
import type { ConfigProblem } from './problems.js';
import { didYouMean } from './problems.js';
import type { McpServer } from './mcp-servers.js';
import type { Agent, DaemonConfig } from './schema.js';

export function resolveMcpServers(agents: Iterable<Sourced<Agent>>, daemon: DaemonConfig): ConfigProblem[] {
  const warnings: ConfigProblem[] = [];
  const shared = new Map((daemon.spec.mcp_servers ?? []).map((s) => [s.name, s]));
  for (const a of agents) {
    const spec = a.resource.spec;
    if (!spec.mcp_servers) continue;
    const resolved: McpServer[] = [];
    spec.mcp_servers.forEach((entry, i) => {
      if (typeof entry !== 'string') return void resolved.push(entry);
      const found = shared.get(entry);
      if (found) return void resolved.push(found);
      warnings.push(
        problemAt(
          a,
          ['spec', 'mcp_servers', i],
          `Agent "${a.resource.metadata.name}": MCP server "${entry}" is not defined in the DaemonConfig's spec.mcp_servers${didYouMean(entry, shared.keys())}; the agent runs without it`,
        ),
      );
    });
    if (resolved.length) spec.mcp_servers = resolved;
    else delete spec.mcp_servers;
  }
  return warnings;
}
