// npm run bench:regex
// How long each reader of attacker text takes on 100 KB of the input that made the old patterns
// backtrack (test/harness/adversarial-text.ts; the unit test hostile-text checks the answers). The old
// patterns did not finish in minutes on some of these (an 8 KB line took 13.9 s on the loop rule).
import { cpus } from 'node:os';
import { ADVERSARIAL, SIZE } from '../test/harness/adversarial-text.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** The median of a few runs of `f`, in ms. */
function time(f: () => unknown, runs = 5): number {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    f();
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(ms);
}

console.log(`\nbench:regex — ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}`);
console.log(`${'case'.padEnd(72)} ${`${SIZE / 1024} KB`.padStart(10)}`);
let worst = 0;
for (const c of ADVERSARIAL) {
  const ms = time(c.run);
  worst = Math.max(worst, ms);
  console.log(`${c.name.slice(0, 72).padEnd(72)} ${ms.toFixed(2).padStart(7)} ms`);
}
console.log(`\nslowest: ${worst.toFixed(2)} ms for ${SIZE / 1024} KB`);
