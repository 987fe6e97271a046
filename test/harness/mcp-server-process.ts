// The test MCP server (mcp-test-server.ts) as a process: the command an agent's stdio entry starts, or a
// streamable HTTP or SSE server a test starts and stops.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const MCP_TEST_SERVER = fileURLToPath(new URL('./mcp-test-server.ts', import.meta.url));

/** tsx's loader by its path: a stdio server starts in the daemon config's folder, where `tsx` does not resolve. */
const TSX = pathToFileURL(
  join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/loader.mjs'),
).href;

/** `command` and `args` of a stdio entry that starts the test server. */
export const stdioEntry = { command: process.execPath, args: ['--import', TSX, MCP_TEST_SERVER, 'stdio'] };

/** What the server's secret_digest tool answers for a secret. */
export const secretDigest = (secret: string) =>
  `digest ${createHash('sha256').update(secret).digest('hex').slice(0, 16)}`;

export interface McpServerProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** The server over HTTP (`http`: streamable HTTP at /mcp; `sse`: SSE at /sse), once it listens. */
export async function startMcpServer(
  mode: 'http' | 'sse',
  env: Record<string, string> = {},
): Promise<McpServerProcess> {
  const child = spawn(process.execPath, ['--import', TSX, MCP_TEST_SERVER, mode, '0'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`the MCP test server exited (${code})`)));
  });
  return {
    url: `http://127.0.0.1:${port}/${mode === 'http' ? 'mcp' : 'sse'}`,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}
