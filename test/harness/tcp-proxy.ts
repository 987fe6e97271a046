// A TCP proxy in front of the test's Temporal server, on a port chosen up front, so a test can play
// Temporal not there yet (before the proxy starts), stalling (connections open, nothing answered), down
// (closed: connections reset and refused) and back (a new proxy on the port), without touching the
// server the other tests share.
import { connect, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  /** Stops forwarding: open connections and new ones get no answer. */
  stall(): void;
  close(): Promise<void>;
}

export async function tcpProxy(target: string, port: number): Promise<TcpProxy> {
  const [host, targetPort] = [target.slice(0, target.lastIndexOf(':')), Number(target.split(':').pop())];
  const open = new Set<Socket>();
  let stalled = false;
  const track = (s: Socket) => {
    open.add(s);
    s.on('close', () => open.delete(s));
    s.on('error', () => s.destroy());
  };
  const forward = (socket: Socket) => {
    const upstream = connect(targetPort, host);
    track(upstream);
    socket.pipe(upstream).pipe(socket);
    socket.on('close', () => upstream.destroy());
    upstream.on('close', () => socket.destroy());
  };
  const server = createServer((socket) => {
    track(socket);
    if (!stalled) forward(socket);
  }).listen(port, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return {
    stall() {
      stalled = true;
      for (const s of open) {
        s.unpipe();
        s.pause();
      }
    },
    close: () =>
      new Promise((r) => {
        for (const s of open) s.destroy();
        server.close(() => r());
      }),
  };
}
