// Deploy, verify and rollback hooks for the compensation tests: a local HTTP server that records every call
// (path, Idempotency-Key) and answers each path as told, or holds its answer (a hook still running).
import { createServer, type ServerResponse } from 'node:http';

type Answer = number | 'hold';

/** The hooks: every call recorded (path, Idempotency-Key); each path answers as told, or holds its answer. */
export async function startHooks() {
  const calls: { path: string; key: string }[] = [];
  const answers: Record<string, Answer> = {};
  const held: { path: string; res: ServerResponse }[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      calls.push({ path: req.url!, key: String(req.headers['idempotency-key']) });
      const answer = answers[req.url!] ?? 200;
      if (answer === 'hold') held.push({ path: req.url!, res });
      else res.writeHead(answer).end(answer < 300 ? '{"ok":true}' : '{"error":"unhealthy"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    calls,
    answers,
    /** The calls to `path`, and their distinct keys. */
    to: (path: string) => {
      const c = calls.filter((x) => x.path === path);
      return { count: c.length, keys: [...new Set(c.map((x) => x.key))] };
    },
    /** Answers the held calls to `path` with 200 (the hook finished), and later calls too. */
    release(path: string) {
      answers[path] = 200;
      for (const h of held.filter((x) => x.path === path)) h.res.writeHead(200).end('{"ok":true}');
      held.splice(0, held.length, ...held.filter((x) => x.path !== path));
    },
    close() {
      for (const { res } of held) res.destroy();
      server.close();
    },
  };
}

/** A flow of one http call to `url`, then an end with status `deployed`. */
export const oneHookFlow = (name: string, url: string) => `apiVersion: aof.dev/v1
kind: AgentFlow
metadata: {name: ${name}}
spec:
  nodes:
    - {id: start, type: http, config: {url: "${url}"}}
    - {id: done, type: end, config: {status: deployed}}
  connections:
    - {from: start, to: done}
`;
