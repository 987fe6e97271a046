// An agent's `mcp_servers` (issue 30): entries checked with errors at their keys, names of the
// DaemonConfig's entries resolved at load (a name defined nowhere is a warning, never silent), and the
// `${VAR}` of env and headers left for the worker to read, so no value reaches a spec.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig, type Resources } from '../../src/config/load.js';
import { ConfigError, formatProblem } from '../../src/config/problems.js';
import { configDir, daemonYaml } from '../harness/config-dir.js';

const GITHUB = 'webhook_secret_env: CFG_MCP_HOOK';
const agent = (servers: string, name = 'a') => `apiVersion: aof.dev/v1
kind: Agent
metadata: {name: ${name}}
spec:
  model: builtin:assistant
  mcp_servers:
${servers.replace(/^/gm, '    ')}
`;

function load(files: Record<string, string>, daemonExtra = ''): Resources {
  return loadConfig(join(configDir({ 'daemon.yaml': daemonYaml(GITHUB, daemonExtra), ...files }), 'daemon.yaml'));
}
function errors(files: Record<string, string>, daemonExtra = ''): string[] {
  try {
    load(files, daemonExtra);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => formatProblem(p).replace(/^.*?(agents|daemon)/, '$1'));
    throw e;
  }
  throw new Error('loaded without errors');
}
const warnings = (r: Resources) => (r.warnings ?? []).map((p) => formatProblem(p).replace(/^.*?agents/, 'agents'));

describe('agents’ mcp_servers configuration (issue 30)', () => {
  const saved = { hook: process.env.CFG_MCP_HOOK, secret: process.env.CFG_MCP_SECRET };
  before(() => {
    process.env.CFG_MCP_HOOK = 'hook-secret';
    process.env.CFG_MCP_SECRET = 'a-secret-value';
  });
  after(() => {
    for (const [k, v] of [
      ['CFG_MCP_HOOK', saved.hook],
      ['CFG_MCP_SECRET', saved.secret],
    ] as const)
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  });

  it('entries load with their defaults; env and header references stay names', () => {
    const r = load(
      {
        'agents/a.yaml': agent(`- name: tools
  command: ./bin/tools
  env: {API_TOKEN: "\${CFG_MCP_SECRET}", OTHER: CFG_MCP_SECRET}
- name: remote
  transport: http
  endpoint: https://mcp.example.test/mcp
  headers: {Authorization: "Bearer \${CFG_MCP_SECRET}"}
  tools: [search]
  timeout_secs: 5`),
      },
      '',
    );
    const servers = r.agents.get('a')!.resource.spec.mcp_servers;
    assert.deepEqual(servers, [
      {
        name: 'tools',
        transport: 'stdio',
        command: './bin/tools',
        args: [],
        env: { API_TOKEN: '${CFG_MCP_SECRET}', OTHER: 'CFG_MCP_SECRET' },
        headers: {},
        timeout_secs: 30,
      },
      {
        name: 'remote',
        transport: 'http',
        endpoint: 'https://mcp.example.test/mcp',
        args: [],
        env: {},
        headers: { Authorization: 'Bearer ${CFG_MCP_SECRET}' },
        tools: ['search'],
        timeout_secs: 5,
      },
    ]);
    assert.ok(!JSON.stringify(r.agents.get('a')).includes('a-secret-value'));
  });

  it('a name takes the DaemonConfig’s entry (its ${VAR} kept too); one defined nowhere is a warning and dropped', () => {
    const r = load(
      { 'agents/a.yaml': agent('- security-tools\n- securty-tools'), 'agents/b.yaml': agent('- nowhere', 'b') },
      `  mcp_servers:
    - name: security-tools
      transport: sse
      endpoint: http://127.0.0.1:9/sse
      headers: {X-Key: "\${CFG_MCP_SECRET}"}
`,
    );
    assert.deepEqual(
      r.agents.get('a')!.resource.spec.mcp_servers?.map((s) => typeof s !== 'string' && [s.name, s.headers]),
      [['security-tools', { 'X-Key': '${CFG_MCP_SECRET}' }]],
    );
    assert.equal(r.agents.get('b')!.resource.spec.mcp_servers, undefined);
    assert.deepEqual(warnings(r), [
      `agents/a.yaml:8:7: spec.mcp_servers.1: Agent "a": MCP server "securty-tools" is not defined in the DaemonConfig's spec.mcp_servers (did you mean "security-tools"?); the agent runs without it`,
      `agents/b.yaml:7:7: spec.mcp_servers.0: Agent "b": MCP server "nowhere" is not defined in the DaemonConfig's spec.mcp_servers; the agent runs without it`,
    ]);
    assert.ok(!JSON.stringify(r.daemon.spec.mcp_servers).includes('a-secret-value'));
  });

  it('each mistake is an error at its key', () => {
    assert.deepEqual(
      errors({
        'agents/a.yaml': agent(`- name: no-command
- name: no-endpoint
  transport: http
- name: ftp
  transport: sse
  endpoint: ftp://mcp.example.test/
- name: mixed
  command: ./x
  endpoint: https://mcp.example.test/
- name: literal-env
  command: ./x
  env: {API_TOKEN: hunter2}
- name: bad
  transport: websocket
  command: ./x
- name: zero-timeout
  command: ./x
  timeout_secs: 0`),
      }),
      [
        'agents/a.yaml:7:7: spec.mcp_servers.0.command: a stdio server needs command: the program the worker starts',
        'agents/a.yaml:8:7: spec.mcp_servers.1.endpoint: an http server needs endpoint: its http or https URL',
        'agents/a.yaml:12:17: spec.mcp_servers.2.endpoint: an http or https URL',
        'agents/a.yaml:15:17: spec.mcp_servers.3.endpoint: endpoint is for sse and http servers; a stdio server has command',
        "agents/a.yaml:18:24: spec.mcp_servers.4.env.API_TOKEN: the name of a variable of the worker's environment, such as API_TOKEN or ${API_TOKEN} (its value is read by the worker, never written here)",
        'agents/a.yaml:20:18: spec.mcp_servers.5.transport: expected one of "stdio", "sse", "http"',
        'agents/a.yaml:24:21: spec.mcp_servers.6.timeout_secs: Too small: expected number to be >0',
      ],
    );
  });

  it('a server named twice in one list is an error', () => {
    assert.deepEqual(errors({ 'agents/a.yaml': agent('- {name: x, command: ./x}\n- x') }, ''), [
      'agents/a.yaml:8:7: spec.mcp_servers.1: MCP server "x" is listed twice',
    ]);
  });

  it('a DaemonConfig entry is checked the same way, at its key in daemon.yaml', () => {
    assert.deepEqual(errors({}, '  mcp_servers:\n    - {name: shared, transport: http}\n'), [
      'daemon.yaml:11:7: spec.mcp_servers.0.endpoint: an http server needs endpoint: its http or https URL',
    ]);
  });

  it('an inline fleet member has mcp_servers too', () => {
    const r = load(
      {
        'fleets/f.yaml': `apiVersion: aof.dev/v1
kind: AgentFleet
metadata: {name: f}
spec:
  agents:
    - name: m
      spec:
        model: builtin:assistant
        mcp_servers:
          - {name: local, command: ./tools, env: {TOKEN: "\${CFG_MCP_SECRET}"}}
`,
      },
      '  fleets: {directory: fleets}\n',
    );
    const servers = r.agents.get('f.m')!.resource.spec.mcp_servers;
    assert.deepEqual(
      servers?.map((s) => typeof s !== 'string' && [s.name, s.env]),
      [['local', { TOKEN: '${CFG_MCP_SECRET}' }]],
    );
  });
});
