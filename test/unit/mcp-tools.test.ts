// The pure parts of agents' MCP tools (issue 30): the names the model calls them by, valid for every
// provider and unique; and a variable the server's entry names but the worker lacks, which is a tool
// error naming it (no process started, nothing retried).
import assert from 'node:assert/strict';
import { createMcpActivities } from '../../activities/mcp/index.js';
import { McpConnections } from '../../activities/mcp/connect.js';
import { mcpToolName, serverOfName } from '../../src/agents/mcp-tools.js';
import { McpServerEntry } from '../../src/config/mcp-servers.js';
import { stdioEntry } from '../harness/mcp-server-process.js';
import { until } from '../harness/until.js';

describe('MCP tools of an agent (issue 30)', () => {
  it('names are <server>__<tool>, within 64 characters of [a-zA-Z0-9_-], starting with a letter or _, unique', () => {
    const taken = new Set<string>();
    const add = (server: string, tool: string) => {
      const n = mcpToolName(server, tool, taken);
      taken.add(n);
      return n;
    };
    assert.equal(add('github.tools', 'search/code v2'), 'github_tools__search_code_v2');
    assert.equal(add('github_tools', 'search/code.v2'), 'github_tools__search_code_v2_2');
    const long = add('s', 'x'.repeat(100));
    assert.equal(long.length, 64);
    assert.equal(add('s', 'x'.repeat(90)), `${'s__' + 'x'.repeat(59)}_2`);
    assert.equal(add('1password', 'read'), 'm1password__read');
    for (const n of taken) assert.match(n, /^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$/);
    assert.equal(serverOfName('m1password__x', ['1password']), '1password');
    assert.equal(serverOfName('github_tools__anything', ['other', 'github.tools']), 'github.tools');
    assert.equal(serverOfName('github_post_comment', ['github']), undefined);
  });

  it('a variable the entry names that the worker lacks is a tool error naming it', async () => {
    const pool = new McpConnections(process.cwd());
    const { callMcpTool, listMcpTools } = createMcpActivities(pool, { PRESENT: 'x' });
    const server = McpServerEntry.parse({
      name: 'tools',
      command: 'does-not-matter',
      env: { A: 'PRESENT', B: '${AOF_TEST_UNSET_MCP_VAR}' },
    });
    assert.deepEqual(await callMcpTool({ server, tool: 'echo', input: {} }), {
      ok: false,
      content: `MCP server "tools" needs AOF_TEST_UNSET_MCP_VAR from the worker's environment, which is not set there`,
    });
    const listing = await listMcpTools({ servers: [server] });
    assert.deepEqual(listing.unavailable, [
      {
        server: 'tools',
        error: `MCP server "tools" needs AOF_TEST_UNSET_MCP_VAR from the worker's environment, which is not set there`,
      },
    ]);
    assert.equal(pool.size, 0, 'nothing was started');
  });

  it('the pool keeps one stdio process per resolved entry, and closing it (worker shutdown) ends the process', async () => {
    const pool = new McpConnections(process.cwd());
    const { callMcpTool } = createMcpActivities(pool, {});
    const server = McpServerEntry.parse({ name: 'local', ...stdioEntry });
    const pidOf = async (s = server) => {
      const res = await callMcpTool({ server: s, tool: 'pid', input: {} });
      return Number(/pid (\d+)/.exec(res.content)?.[1]);
    };
    const first = await pidOf();
    assert.equal(await pidOf(), first);
    // The same server under another name is the same process; other arguments are another one.
    assert.equal(await pidOf({ ...server, name: 'again' }), first);
    const other = await pidOf({ ...server, args: [...server.args, 'other'] });
    assert.notEqual(other, first);
    assert.equal(pool.size, 2);
    await pool.closeAll();
    const gone = (pid: number) => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    };
    await until('the server processes end', () => gone(first) && gone(other));
    await assert.rejects(pidOf(), /the worker is shutting down/);
  });
});
