// Pausing a pull request's gate (`/pause`, `/resume`) and its quiet period: the commands' names, who may
// give them, and how long the gate waits. Pure: the ingress, the config schema and workflow code share it.
import { durationSeconds } from '../config/duration.js';

/** The comment commands a Trigger binds to a gate that pause and resume it (any other key asks for a review). */
export const GATE_COMMANDS = { '/pause': 'pause', '/resume': 'resume' } as const;
export type GateCommandName = (typeof GATE_COMMANDS)[keyof typeof GATE_COMMANDS];

/** The gate command a routed key is, if it is one. */
export const gateCommandOf = (key: string): GateCommandName | undefined =>
  Object.hasOwn(GATE_COMMANDS, key) ? GATE_COMMANDS[key as keyof typeof GATE_COMMANDS] : undefined;

/**
 * Who may pause or resume: a paused check is neutral, which branch protection lets pass, so it takes the
 * same right as pushing to the repository (the forge's permission API decides, as for deploy approvers'
 * `min_permission`).
 */
export const PAUSE_PERMISSION = 'write';

/** The longest quiet period a gate may configure. */
export const MAX_QUIET_PERIOD_SECONDS = 3600;

/**
 * However often pushes keep coming, the newest head is reviewed at the latest this many quiet periods
 * after the first push of a burst.
 */
export const MAX_QUIET_PERIODS = 10;

/** The gate's quiet period in milliseconds, or undefined when it reviews every push at once. */
export function quietPeriodMs(gate: { quiet_period?: string }): number | undefined {
  const s = gate.quiet_period === undefined ? undefined : durationSeconds(gate.quiet_period);
  return s === undefined ? undefined : s * 1000;
}
