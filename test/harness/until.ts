// Polls `check` until it holds; fails after `ms` naming what it waited for, with `detail` (a process's
// output, say) when given.
import assert from 'node:assert/strict';

export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  o: { ms?: number; everyMs?: number; detail?: () => string } = {},
): Promise<void> {
  const end = Date.now() + (o.ms ?? 60_000);
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`still waiting for ${what}${o.detail ? `:\n${o.detail()}` : ''}`);
    await new Promise((r) => setTimeout(r, o.everyMs ?? 100));
  }
}
