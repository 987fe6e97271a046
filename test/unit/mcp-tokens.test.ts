// aofctl mcp's tokens: values from the environment, a request's bearer token matched to its organization,
// and a token kept to its organization's repositories.
import assert from 'node:assert/strict';
import { DaemonConfigResource } from '../../src/config/schema.js';
import { mcpTokens, refusal } from '../../src/mcp/tokens.js';

const daemon = (mcp: unknown) =>
  DaemonConfigResource.parse({
    apiVersion: 'aof.dev/v1',
    kind: 'DaemonConfig',
    metadata: { name: 'd' },
    spec: { platforms: {}, mcp },
  });

describe('aofctl mcp tokens', () => {
  const A = 'a'.repeat(40);
  const B = 'b'.repeat(40);
  const config = daemon({
    tokens: [
      { organization: 'octo', token_env: 'MCP_A' },
      { organization: 'group', forge: 'gitlab', token_env: 'MCP_B' },
    ],
  });

  it('finds the organization of a bearer token, and of nothing else', () => {
    const { tokens, problems } = mcpTokens(config, 'daemon.yaml', { MCP_A: A, MCP_B: B });
    assert.deepEqual(problems, []);
    assert.deepEqual(tokens.tenantOf(`Bearer ${A}`), { organization: 'octo', forge: 'github' });
    assert.deepEqual(tokens.tenantOf(`bearer ${B}`), { organization: 'group', forge: 'gitlab' });
    for (const h of [undefined, '', A, `Bearer ${A}x`, `Bearer ${A.slice(1)}`, `Basic ${A}`, `Bearer ${A} ${B}`])
      assert.equal(tokens.tenantOf(h), undefined, String(h));
  });

  it('names the file and key of an unset or short token, never its value', () => {
    const { tokens, problems } = mcpTokens(config, 'conf/daemon.yaml', { MCP_A: 'short-secret' });
    assert.deepEqual(problems, [
      'conf/daemon.yaml: spec.mcp.tokens[0].token_env: MCP_A holds fewer than 16 characters; use a long random token (openssl rand -hex 32)',
      'conf/daemon.yaml: spec.mcp.tokens[1].token_env: the environment variable MCP_B (organization group) is not set',
    ]);
    assert.equal(tokens.count, 1);
    assert.deepEqual(mcpTokens(daemon(undefined), 'd.yaml', {}).problems, [
      'd.yaml: spec.mcp is not configured (see docs/mcp.md)',
    ]);
  });

  it("refuses repositories outside the token's organization", () => {
    const gh = { organization: 'Octo', forge: 'github' as const };
    assert.equal(refusal(gh, 'octo/app'), undefined);
    assert.equal(refusal(gh, 'OCTO/app'), undefined);
    assert.match(refusal(gh, 'other/app')!, /organization Octo; other\/app is not one of its repositories/);
    assert.match(refusal(gh, 'octox/app')!, /not one of its repositories/);
    for (const bad of ['octo', 'octo/a/b', 'octo/../x', 'octo/ app', '/octo/app', 'octo/app/'])
      assert.ok(refusal(gh, bad), bad);
    const gl = { organization: 'group', forge: 'gitlab' as const };
    assert.equal(refusal(gl, 'group/sub/project'), undefined);
    assert.match(refusal(gl, 'groupx/sub/project')!, /not one of its repositories/);
    assert.match(refusal(gl, 'group')!, /GitLab project path/);
    assert.match(refusal(gl, 'group/../other')!, /GitLab project path/);
  });
});
