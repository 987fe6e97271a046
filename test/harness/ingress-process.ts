// `aofctl serve` as a separate process on a given port, so a benchmark can kill it like a crash would.
import { startAofctl, type AofctlProcess } from './aofctl-process.js';

export interface IngressProcess extends AofctlProcess {
  url: string;
}

/** Starts an ingress on `port` and resolves once it listens. */
export async function startIngressProcess(
  config: string,
  port: number,
  env: Record<string, string>,
): Promise<IngressProcess> {
  const p = await startAofctl('serve', config, { ...env, AOF_PORT: String(port) }, 'ingress listening');
  return { ...p, url: `http://127.0.0.1:${port}` };
}
