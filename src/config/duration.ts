// Durations as users write them in YAML (`90s`, `15m`, `1h`, `2d`): one reader for the schedule's catch-up
// window and the gate's quiet period. Pure: workflow code imports it too.

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

/** `90s`, `15m`, `1h`, `2d` in seconds, or undefined. */
export function durationSeconds(text: string): number | undefined {
  const m = /^(\d+)(s|m|h|d)$/.exec(text.trim());
  return m ? Number(m[1]) * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS] : undefined;
}

/** A duration as people read it, its two largest units: `13h 2m`, `2d 1h`, `45s`. */
export function durationText(ms: number): string {
  const s = Math.floor(ms / 1000);
  const parts = [
    [Math.floor(s / 86400), 'd'],
    [Math.floor(s / 3600) % 24, 'h'],
    [Math.floor(s / 60) % 60, 'm'],
  ]
    .filter(([n]) => n)
    .map(([n, u]) => `${n}${u}`);
  return parts.length ? parts.slice(0, 2).join(' ') : `${s}s`;
}
