// CPU seconds used by this process and each of its child processes (the dev server, `aofctl` processes),
// from /proc on Linux: what a phase of a benchmark cost each part. Elsewhere, empty.
import { readFileSync, readdirSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux the project runs on

interface Proc {
  ppid: number;
  seconds: number;
}

function proc(pid: string): Proc | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state ppid ... utime(14) stime(15).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), seconds: (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

function label(pid: string): string {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const aofctl = args.findIndex((a) => a.endsWith('aofctl.js'));
    if (aofctl >= 0) return `aofctl ${args[aofctl + 1]}`;
    return args.some((a) => a === 'start-dev') ? 'temporal server' : (args[0] ?? pid);
  } catch {
    return pid;
  }
}

/** CPU seconds so far, by part: "bench" (this process) and its children by what they run. */
export function cpuSeconds(): Map<string, number> {
  const out = new Map<string, number>();
  const self = proc(String(process.pid));
  if (!self) return out;
  out.set('bench', self.seconds);
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    const p = proc(pid);
    if (p?.ppid === process.pid) {
      const name = label(pid);
      out.set(name, (out.get(name) ?? 0) + p.seconds);
    }
  }
  return out;
}

/** CPU seconds used between two readings, by part. */
export function cpuSince(before: Map<string, number>): Map<string, number> {
  const now = cpuSeconds();
  return new Map([...now].map(([k, v]) => [k, v - (before.get(k) ?? 0)]));
}
