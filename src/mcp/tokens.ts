// Who is asking `aofctl mcp`: one bearer token per organization, its value read from the environment
// variable the DaemonConfig names. A request's token is compared with every configured one in constant time
// (digests of equal length, no early exit), and a token reaches the repositories of its organization only.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ForgeName } from '../forges/port.js';
import type { DaemonConfig } from '../config/schema.js';

/** The organization a token acts for: a GitHub owner, a GitLab top-level group or namespace, a Bitbucket workspace. */
export interface McpTenant {
  organization: string;
  forge: ForgeName;
}

interface Entry extends McpTenant {
  digest: Buffer;
}

export interface McpTokens {
  /** The tenant of an `Authorization` header's bearer token, or undefined (no token, or not one of ours). */
  tenantOf(authorization: string | undefined): McpTenant | undefined;
  count: number;
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * The configured tokens with their values from `env`; problems name the daemon file and key of each
 * variable that is unset or empty (the values themselves are never part of a message).
 */
export function mcpTokens(
  daemon: DaemonConfig,
  daemonFile: string,
  env: NodeJS.ProcessEnv = process.env,
): { tokens: McpTokens; problems: string[] } {
  const problems: string[] = [];
  const entries: Entry[] = [];
  const configured = daemon.spec.mcp?.tokens ?? [];
  if (!daemon.spec.mcp) problems.push(`${daemonFile}: spec.mcp is not configured (see docs/mcp.md)`);
  configured.forEach((t, i) => {
    const value = env[t.token_env];
    if (!value) {
      problems.push(
        `${daemonFile}: spec.mcp.tokens[${i}].token_env: the environment variable ${t.token_env} (organization ${t.organization}) is not set`,
      );
      return;
    }
    if (value.length < 16)
      problems.push(
        `${daemonFile}: spec.mcp.tokens[${i}].token_env: ${t.token_env} holds fewer than 16 characters; use a long random token (openssl rand -hex 32)`,
      );
    entries.push({ organization: t.organization, forge: t.forge, digest: digest(value) });
  });
  const tokens: McpTokens = {
    count: entries.length,
    tenantOf(authorization) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
      if (!m) return undefined;
      const offered = digest(m[1]!);
      let found: Entry | undefined;
      // Every entry is compared, so the time taken says nothing about which one matched.
      for (const e of entries) if (timingSafeEqual(e.digest, offered) && !found) found = e;
      return found && { organization: found.organization, forge: found.forge };
    },
  };
  return { tokens, problems };
}

const SEGMENT = /^[A-Za-z0-9_.-]+$/;

/**
 * Why `tenant` may not reach `repository`, or undefined when it may: the repository's first segment is the
 * tenant's organization (GitHub logins, GitLab paths and Bitbucket workspaces compare without case).
 */
export function refusal(tenant: McpTenant, repository: string): string | undefined {
  const parts = repository.split('/');
  const deep = tenant.forge === 'gitlab';
  if (
    parts.length < 2 ||
    (!deep && parts.length !== 2) ||
    parts.length > 20 ||
    !parts.every((p) => SEGMENT.test(p) && p !== '.' && p !== '..')
  )
    return deep
      ? 'repository must be a GitLab project path, group/project or group/subgroup/project'
      : `repository must be ${tenant.forge === 'bitbucket' ? 'workspace/repository' : 'owner/repository'}`;
  if (parts[0]!.toLowerCase() !== tenant.organization.toLowerCase())
    return `this token is for the ${tenant.forge} organization ${tenant.organization}; ${repository} is not one of its repositories`;
  return undefined;
}
