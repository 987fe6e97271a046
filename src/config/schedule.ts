// A Trigger of `spec.type: Schedule`: when it fires (`spec.config`, run by a Temporal Schedule, see
// src/worker/trigger-schedules.ts) and what it acts on (`params`: a repository and an issue or pull request).
// `cron` and `timezone` are AOF's keys; `overlap`, `catchup_window`, `catchup` and `paused` are ours.
import { z } from 'zod';
import { durationSeconds } from './duration.js';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
/** The five fields of a cron line: name, range, names usable for values. */
const FIELDS: [string, number, number, string[]?][] = [
  ['minute', 0, 59],
  ['hour', 0, 23],
  ['day of month', 1, 31],
  ['month', 1, 12, MONTHS],
  ['day of week', 0, 7, DAYS],
];
const MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

/** Why one field of a cron line is wrong, or undefined. */
function fieldProblem(text: string, [field, min, max, names]: (typeof FIELDS)[number]): string | undefined {
  const value = (s: string): number | undefined => {
    const i = names?.indexOf(s.toLowerCase()) ?? -1;
    if (i >= 0) return field === 'month' ? i + 1 : i;
    return /^\d+$/.test(s) ? Number(s) : undefined;
  };
  for (const part of text.split(',')) {
    const m = /^([^/]+)(?:\/(\d+))?$/.exec(part);
    if (!m || (m[2] !== undefined && Number(m[2]) < 1)) return `${field} "${part}" is not a value, range or step`;
    if (m[1] === '*') continue;
    const bounds = m[1]!.split('-');
    if (bounds.length > 2) return `${field} "${part}" is not a value, range or step`;
    const values = bounds.map(value);
    if (values.some((v) => v === undefined || v < min || v > max))
      return `${field} "${part}" is outside ${min}-${max}${names ? ` (or ${names.slice(0, 3).join(', ')}…)` : ''}`;
    if (values.length === 2 && values[0]! > values[1]!) return `${field} range "${part}" runs backwards`;
  }
  return undefined;
}

/**
 * Why a cron line is not one a Temporal Schedule takes as we document it (five fields: minute, hour, day of
 * month, month, day of week; `*`, lists, ranges, steps, month and day names; or a macro such as `@daily`),
 * or undefined when it is.
 */
export function cronProblem(line: string): string | undefined {
  const text = line.trim();
  if (text.startsWith('@'))
    return MACROS.includes(text) ? undefined : `unknown macro "${text}"; one of ${MACROS.join(', ')}`;
  if (/^(CRON_)?TZ=/.test(text)) return 'give the time zone as config.timezone, not in the cron line';
  const fields = text.split(/\s+/);
  if (fields.length !== 5)
    return `"${text}" has ${fields.length} field(s); a cron line has 5: minute hour day-of-month month day-of-week`;
  for (let i = 0; i < 5; i++) {
    const problem = fieldProblem(fields[i]!, FIELDS[i]!);
    if (problem) return `"${text}": ${problem}`;
  }
  return undefined;
}

/** Whether the runtime's time zone database knows an IANA name (`Europe/Berlin`, `UTC`). */
export function knownTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Temporal takes a missed action at most this late, at the least (its minimum catch-up window). */
export const MIN_CATCHUP_SECONDS = 10;
/** The catch-up window when the configuration names none. */
export const DEFAULT_CATCHUP_WINDOW = '1h';

export const OVERLAP_POLICIES = [
  'skip',
  'buffer_one',
  'buffer_all',
  'cancel_other',
  'terminate_other',
  'allow_all',
] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

const cronLine = z
  .string()
  .min(1)
  .superRefine((line, ctx) => {
    const problem = cronProblem(line);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const ScheduleTriggerConfig = z
  .strictObject({
    /** AOF's: one cron line, or several (the schedule fires at each one's times). */
    cron: z.union([cronLine, z.array(cronLine).min(1).max(20)]).transform((c) => (Array.isArray(c) ? c : [c])),
    /** AOF's: the IANA time zone the cron lines are read in; UTC by default. */
    timezone: z
      .string()
      .superRefine((tz, ctx) => {
        if (!knownTimeZone(tz))
          ctx.addIssue({ code: 'custom', message: `unknown time zone "${tz}": an IANA name such as Europe/Berlin` });
      })
      .default('UTC'),
    /** What a firing does while the previous run is still going. */
    overlap: z.enum(OVERLAP_POLICIES).default('skip'),
    /** After the Temporal server was down: each run missed within this window is taken once. */
    catchup_window: z
      .string()
      .refine(
        (w) => (durationSeconds(w) ?? 0) >= MIN_CATCHUP_SECONDS,
        `a duration of at least ${MIN_CATCHUP_SECONDS}s, such as 30m, 1h or 2d`,
      )
      .optional(),
    /** `skip`: runs missed while the Temporal server was down are not taken at all. */
    catchup: z.literal('skip').optional(),
    /** Created paused: it fires only when triggered by hand (or unpaused in the Web UI, until the next reload). */
    paused: z.boolean().default(false),
  })
  .superRefine((c, ctx) => {
    if (c.catchup !== undefined && c.catchup_window !== undefined)
      ctx.addIssue({ code: 'custom', path: ['catchup'], message: 'give catchup_window or catchup: skip, not both' });
  });

export type ScheduleTriggerConfig = z.infer<typeof ScheduleTriggerConfig>;

/** The catch-up window a schedule gets, in seconds. */
export const catchupSeconds = (c: ScheduleTriggerConfig): number =>
  c.catchup === 'skip' ? MIN_CATCHUP_SECONDS : durationSeconds(c.catchup_window ?? DEFAULT_CATCHUP_WINDOW)!;

/**
 * What a scheduled run acts on, from the Trigger's `params` (and its binding's, which win): a repository of
 * a forge (GitHub unless `forge` says), and an issue or a pull request in it. Other keys are the target's.
 */
export const ScheduleTarget = z.object({
  forge: z.enum(['github', 'gitlab', 'bitbucket']).default('github'),
  repository: z
    .string()
    .regex(/^[^/\s]+(\/[^/\s]+)+$/, 'owner/repo (GitLab: group/project, with subgroups)')
    .optional(),
  issue_number: z.number().int().positive().optional(),
  pull_number: z.number().int().positive().optional(),
});
export type ScheduleTarget = z.infer<typeof ScheduleTarget>;

/** The keys of `params` that name the target (the rest are passed to the agent, fleet or flow as params). */
export const TARGET_KEYS = Object.keys(ScheduleTarget.shape) as (keyof ScheduleTarget)[];
