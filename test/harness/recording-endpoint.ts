// For `aofctl simulate` tests: aofctl run once as a process of its own (not blocking this one, so the
// server below answers meanwhile), and a tiny HTTP server that records each request and answers 202.
import { spawn } from 'node:child_process';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { configDir } from './config-dir.js';

const bin = resolve(import.meta.dirname, '../../bin/aofctl.js');

export function runAofctl(args: string[], env: Record<string, string | undefined> = {}) {
  return new Promise<{ code: number | null; out: string; err: string }>((done) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => done({ code, out, err }));
  });
}

export interface Received {
  method?: string;
  url?: string;
  headers: IncomingHttpHeaders;
  /** The body as sent (what a signature covers), and parsed. */
  raw: string;
  body: Record<string, any>;
}

/** Records every request in `received` (tests empty it) and answers `202 {"status":"unhandled","reason":"recorded"}`. */
export async function recordingEndpoint() {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, raw, body: JSON.parse(raw) });
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end('{"status":"unhandled","reason":"recorded"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A recording endpoint for a mocha `describe`: started before its tests, emptied before each, closed after. */
export function useRecordingEndpoint(): { readonly url: string; readonly received: Received[] } {
  let endpoint: Awaited<ReturnType<typeof recordingEndpoint>> | undefined;
  before(async () => (endpoint = await recordingEndpoint()));
  after(() => endpoint?.close());
  beforeEach(() => endpoint!.received.splice(0));
  return {
    get url() {
      return endpoint!.url;
    },
    get received() {
      return endpoint!.received;
    },
  };
}

/** A DaemonConfig with only `platforms.<forge>` (inline YAML) and, if given, one Trigger file. */
export function platformDaemon(forge: 'gitlab' | 'bitbucket', platform: string, trigger?: string): string {
  return configDir({
    'daemon.yaml': `apiVersion: aof.dev/v1
kind: DaemonConfig
metadata: {name: sim}
spec:
  platforms:
    ${forge}: {${platform}}
  triggers: {directory: triggers}
`,
    ...(trigger ? { 'triggers/t.yaml': trigger } : {}),
  });
}
