// Budget windows of agent runs (spec.budgets): pure arithmetic on a clock reading, shared by workflow code
// (which reads the deterministic workflow clock), the budget activity and the ingress's replies.

/** How long a window's count workflow stays open after the window, for clocks that run behind. */
export const BUDGET_SLACK_MS = 5 * 60_000;

export interface BudgetWindow {
  /** The window's start and end, milliseconds since the Unix epoch. */
  start: number;
  end: number;
  /** The start as ISO text to the minute (`2026-12-04T10:00Z`): names the window in workflow ids. */
  label: string;
}

/** The window `now` falls in: windows start at multiples of `minutes` since the Unix epoch. */
export function budgetWindow(now: number, minutes: number): BudgetWindow {
  const ms = minutes * 60_000;
  const start = Math.floor(now / ms) * ms;
  return { start, end: start + ms, label: new Date(start).toISOString().slice(0, 16) + 'Z' };
}

/** One owner's window: `budget/<task queue>/<owner>/<window start>`. */
export const budgetWorkflowId = (taskQueue: string, account: string, window: string) =>
  `budget/${taskQueue}/${account}/${window}`;
