// `aofctl mcp` as users run it: a separate process that refuses to start without its tokens, and serves the
// MCP tools over streamable HTTP to the SDK's client (listing tools needs no Temporal).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { configDir, daemonYaml } from '../harness/config-dir.js';
import { startAofctl, type AofctlProcess } from '../harness/aofctl-process.js';

const bin = resolve(import.meta.dirname, '../../bin/aofctl.js');

describe('aofctl mcp', function () {
  this.timeout(60_000);
  const dir = configDir({
    'daemon.yaml': daemonYaml(
      'webhook_secret_env: AOF_CLI_SECRET',
      // Temporal is not needed to list tools; nothing listens on this port.
      '  temporal: {address: "127.0.0.1:1"}\n  mcp:\n    tokens:\n      - {organization: octo, token_env: AOF_CLI_MCP_TOKEN}\n',
    ),
  });
  const config = join(dir, 'daemon.yaml');
  let proc: AofctlProcess | undefined;
  after(() => proc?.kill());

  it('exits 1 naming the file and key when a token variable is unset', () => {
    const r = spawnSync(process.execPath, [bin, 'mcp', '--config', config], {
      encoding: 'utf8',
      env: { ...process.env, AOF_CLI_MCP_TOKEN: '' },
      timeout: 30_000,
    });
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr,
      /aofctl mcp: .*daemon\.yaml: spec\.mcp\.tokens\[0\]\.token_env: the environment variable AOF_CLI_MCP_TOKEN \(organization octo\) is not set/,
    );
  });

  it('serves its tools to a client with the token, and 401 without it', async () => {
    const token = `cli-${randomUUID()}`;
    proc = await startAofctl('mcp', config, { AOF_CLI_MCP_TOKEN: token }, 'MCP server listening', ['--port', '0']);
    const url = new URL(/listening on (http:\/\/\S+\/mcp)/.exec(proc.output())![1]!);
    const client = new Client({ name: 'cli-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(url, { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
    );
    const { tools } = await client.listTools();
    await client.close();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['deploy_requests', 'gate_findings', 'request_review']);
    const r = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
    });
    assert.equal(r.status, 401);
    assert.ok(!proc.output().includes(token));
  });
});
