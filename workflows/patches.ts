// Every patch the workflow code has carried, and where it stands in its retirement: `patched(name)` (live)
// → `deprecatePatch(name)` with the old branch deleted (deprecated) → no call at all (removed). Data only:
// no workflow imports it. test/unit/patch-policy.test.ts holds the code to this list (every call has a
// record in the stage the code shows) and fails once a patch outlives its window; docs/upgrades.md says
// which runs must have finished before a release that deprecates or removes a patch.
//
// The windows follow from how long a run can stay open (LIFETIME_DAYS): a run that started before a
// release took the old path, and only a run's own history decides its path, so a patch's old branch may go
// once no run started before its release can still be open. A continued run (continue-as-new) starts a
// fresh history on the code of its day, so for gates, locks and quotas the lifetime is one run's, not the
// pull request's or the month's count's.

/** The workflow types the worker registers (test/replay/workflow-types.ts lists the same). */
export type WorkflowType =
  | 'routedEventWorkflow'
  | 'agentRunWorkflow'
  | 'fleetRunWorkflow'
  | 'flowRunWorkflow'
  | 'flowUndoWorkflow'
  | 'envLockWorkflow'
  | 'prGateWorkflow'
  | 'prReviewWorkflow'
  | 'quotaWorkflow'
  | 'quotaLedgerWorkflow'
  | 'replyWorkflow'
  | 'redeliveryWorkflow'
  | 'runBudgetWorkflow'
  | 'scheduledTriggerWorkflow'
  | 'mergeGroupReviewWorkflow';

/**
 * How many days one run of a type can stay open from its start (to its end or its continue-as-new);
 * `'month'`: a run is for one calendar month and stays open until a day after it ends (quota-period.ts).
 */
export const LIFETIME_DAYS: Record<WorkflowType, number | 'month'> = {
  // A model turn and a task are bounded (model_turn_timeout_secs, task_timeout_secs, max_iterations).
  agentRunWorkflow: 1,
  fleetRunWorkflow: 1,
  // One review of one head: minutes. A merge group's review likewise (one head; `destroyed` ends it).
  prReviewWorkflow: 1,
  mergeGroupReviewWorkflow: 1,
  replyWorkflow: 1,
  redeliveryWorkflow: 1,
  // A budget window is at most 1,440 minutes, and its workflow closes a little after it.
  runBudgetWorkflow: 2,
  // Waits for its flow when the target is a flow.
  routedEventWorkflow: 31,
  // Waits for its routed event (a child), which waits for its flow.
  scheduledTriggerWorkflow: 31,
  // An approval expires after its timeout (24 h unless the flow says otherwise, with reminders); a flow
  // then waits its turn for the environment's lock, which flows hold only while they deploy. A flow
  // answering a GitHub Actions deployment protection rule may wait up to GitHub's 30 days
  // (workflows/protection-rule.ts), so a flow run is open at most 31.
  flowRunWorkflow: 31,
  // Reads the reverted flow and runs its compensations (bounded hooks and agents): minutes.
  flowUndoWorkflow: 1,
  // Open while anybody holds or waits (flows), closed a minute after the last one left.
  envLockWorkflow: 7,
  // Ends after 2 quiet hours (QUIET in pr-gate.ts), continues as new when Temporal suggests it.
  prGateWorkflow: 7,
  quotaWorkflow: 'month',
  quotaLedgerWorkflow: 'month',
};

/** Days a patch may stay in its stage past the day it could move on: the weekly cleanup. */
export const SLACK_DAYS = 7;

const DAY = 24 * 3600_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const ms = (date: string) => Date.parse(`${date}T00:00:00Z`);

/**
 * Lifetimes that grew: runs of the type that started before `since` (on the code of their day) stayed
 * open at most `days`. Flows answering GitHub Actions deployment protection rules (2026-12-05) may wait
 * 30 days; every run started before them was bounded as before, so windows of patches released before
 * then stay as they were.
 */
export const EARLIER_LIFETIMES: Partial<Record<WorkflowType, { since: string; days: number }>> = {
  flowRunWorkflow: { since: '2026-12-05', days: 7 },
  routedEventWorkflow: { since: '2026-12-05', days: 7 },
  scheduledTriggerWorkflow: { since: '2026-12-05', days: 7 },
};

/** How long a run of type `w` that started on `date` can stay open. */
export function lifetimeOn(w: WorkflowType, date: string): number | 'month' {
  const earlier = EARLIER_LIFETIMES[w];
  return earlier && date < earlier.since ? earlier.days : LIFETIME_DAYS[w];
}

/**
 * The last day a run of these types that started on `date` (or before) can still be open: by the end of
 * that day, every such run has ended or continued as new.
 */
export function openUntil(date: string, workflows: WorkflowType[]): string {
  let last = ms(date);
  for (const w of workflows) {
    const life = lifetimeOn(w, date);
    const end =
      life === 'month'
        ? Date.UTC(new Date(ms(date)).getUTCFullYear(), new Date(ms(date)).getUTCMonth() + 1, 1) + DAY
        : ms(date) + life * DAY;
    last = Math.max(last, end);
  }
  return day(last);
}

export interface PatchRecord {
  name: string;
  /** The day its `patched()` reached main (`git log -S"patched('<name>')" --reverse`). */
  introduced: string;
  /** The workflow types whose runs execute the patched code (including code they call inline). */
  workflows: WorkflowType[];
  stage: 'live' | 'deprecated' | 'removed';
  /** The day `deprecatePatch()` replaced `patched()` and the old branch was deleted. */
  deprecatedOn?: string;
  /** The day after which the `deprecatePatch()` call may go: runs started before `deprecatedOn` are closed. */
  removableAfter?: string;
  /** The day the call went (stage 'removed'). */
  removedOn?: string;
  /**
   * Removed with the old branch of this (deprecated) patch, inside which it was called: no run that is
   * still open reaches the call, so it goes without a deprecated stage of its own.
   */
  supersededBy?: string;
  note?: string;
}

const AGENT: WorkflowType[] = ['agentRunWorkflow', 'routedEventWorkflow', 'flowRunWorkflow'];
const EVERY: WorkflowType[] = Object.keys(LIFETIME_DAYS) as WorkflowType[];

export const PATCHES: PatchRecord[] = [
  // Deprecated 2026-12-04: every run started before 2026-11-24's releases has ended (the last, November's
  // quota months, on 2026-12-02). Runs started by the releases with their `patched()` (2026-11-24 until
  // 2026-12-04's) carry `patched()` markers, which replay only while the call is there: the
  // `deprecatePatch()` calls stay until those runs have ended (removableAfter: 2026-12-05 for reviews,
  // 2026-12-11 for flows, gates and locks, 2027-01-02 for quota months).
  ...(
    [
      ['agent-memory', AGENT],
      ['agent-task-timeout', AGENT],
      ['final-answer-updates-comment', AGENT],
      ['approval-refusals-answered-once', ['flowRunWorkflow']],
      ['lock-evicts-closed-requesters', ['envLockWorkflow']],
      ['fleet-members-read-only-errors-sanitized', ['fleetRunWorkflow', 'routedEventWorkflow', 'flowRunWorkflow']],
      ['http-node-rendered-by-worker', ['flowRunWorkflow']],
      ['lock-position-read-once', ['flowRunWorkflow']],
      ['flow-lock-released-and-bugs-fail-the-flow', ['flowRunWorkflow']],
      ['gate-carries-pending-across-continue-as-new', ['prGateWorkflow']],
      ['gate-remembers-reviewed-heads-and-follows-the-actual-head', ['prGateWorkflow']],
      ['agent-diff-within-budget', ['routedEventWorkflow']],
      ['flow-id-per-flow-and-environment', ['routedEventWorkflow']],
    ] as [string, WorkflowType[]][]
  ).map(([name, workflows]): PatchRecord => ({
    name,
    introduced: '2026-11-24',
    workflows,
    stage: 'deprecated',
    deprecatedOn: '2026-12-04',
    removableAfter: openUntil('2026-12-04', workflows),
  })),
  {
    name: 'quota-remembers-heads-in-ledgers-and-a-bloom-filter',
    introduced: '2026-11-24',
    workflows: ['quotaWorkflow'],
    stage: 'deprecated',
    deprecatedOn: '2026-12-04',
    removableAfter: '2027-01-02',
  },
  {
    name: 'aof-run-attributes',
    introduced: '2026-11-24',
    workflows: EVERY,
    stage: 'deprecated',
    deprecatedOn: '2026-12-04',
    removableAfter: '2027-01-02',
  },
  {
    name: 'reused-findings-move-with-their-function',
    introduced: '2026-11-24',
    workflows: ['prReviewWorkflow'],
    stage: 'removed',
    removedOn: '2026-12-04',
    supersededBy: 'gate-review-in-batches',
    note:
      "Its call sat in the per-function review, which only runs without 'gate-review-in-batches' took; with " +
      'that branch deleted nothing calls it, and every run that wrote its marker started before 2026-12-04.',
  },
  // Removed 2026-12-05: every review started by a release with their `patched()` (before 2026-12-04's)
  // has ended (a review lives a day); the histories holding their deprecated markers still replay
  // (`*-2026-12-04-*.json`), those holding only `patched()` markers are retired (test/replay/retired/).
  ...(
    [
      'gate-review-in-batches',
      'gate-check-as-commit-status-without-an-app',
      'check-run-names-its-review-run',
      'review-reads-the-pull-request-in-one-bounded-activity',
    ] as const
  ).map((name): PatchRecord => ({
    name,
    introduced: '2026-11-24',
    workflows: ['prReviewWorkflow'],
    stage: 'removed',
    deprecatedOn: '2026-12-04',
    removableAfter: '2026-12-05',
    removedOn: '2026-12-05',
  })),
  {
    name: 'gate-check-created-in-progress',
    introduced: '2026-12-03',
    workflows: ['prReviewWorkflow'],
    stage: 'removed',
    deprecatedOn: '2026-12-04',
    removableAfter: '2026-12-05',
    removedOn: '2026-12-05',
  },
  {
    name: 'review-starts-its-work-at-once',
    introduced: '2026-12-04',
    workflows: ['prReviewWorkflow'],
    stage: 'deprecated',
    deprecatedOn: '2026-12-05',
    removableAfter: openUntil('2026-12-05', ['prReviewWorkflow']),
    note:
      'The pull request is read while the quota is reserved, and model calls start together when the ' +
      "gate's prompt is cached (issue 24). Deprecated 2026-12-05: reviews started before 2026-12-04's " +
      'release have ended.',
  },
  {
    name: 'gate-continues-as-new-after-a-review',
    introduced: '2026-12-04',
    workflows: ['prGateWorkflow'],
    stage: 'live',
  },
  { name: 'flow-lock-after-approval', introduced: '2026-12-04', workflows: ['flowRunWorkflow'], stage: 'live' },
  {
    name: 'agent-runs-within-budget',
    introduced: '2026-12-04',
    workflows: ['routedEventWorkflow'],
    stage: 'live',
    note:
      'Agent and fleet runs count against spec.budgets in the routed workflow (an activity), no longer in the ' +
      'ingress; runs started before it carry no `budgets` in their input and never reach the call.',
  },
  {
    name: 'run-attributes-name-the-forge',
    introduced: '2026-12-05',
    workflows: [
      'routedEventWorkflow',
      'prGateWorkflow',
      'prReviewWorkflow',
      'agentRunWorkflow',
      'fleetRunWorkflow',
      'flowRunWorkflow',
    ],
    stage: 'live',
    note: 'Runs say their forge (AofForge: github, gitlab) beside AofRepository (issue 26); runs marked before it replay without.',
  },
  {
    name: 'flow-and-lock-ids-name-their-forge',
    introduced: '2026-12-05',
    workflows: ['routedEventWorkflow', 'flowRunWorkflow'],
    stage: 'live',
    note:
      'A flow or an environment lock on a GitLab merge request is `flow/gitlab:<project>#<n>/...`, ' +
      '`lock/gitlab:<project>/<env>` (workflow-ids.ts repositoryKey), never the id of a GitHub repository of ' +
      'the same path; GitLab runs started before keep the ids they had. GitHub ids are unchanged.',
  },
];

/** At most this many `patched()` calls may be live at once. */
export const MAX_LIVE = 5;

/** When a patch may move on, and by when it must (`YYYY-MM-DD`). */
export function windowOf(p: PatchRecord): {
  deprecatableFrom: string;
  deprecateBy: string;
  removableFrom?: string;
  removeBy?: string;
} {
  const deprecatableFrom = openUntil(p.introduced, p.workflows);
  const deprecateBy = day(ms(deprecatableFrom) + SLACK_DAYS * DAY);
  if (!p.deprecatedOn) return { deprecatableFrom, deprecateBy };
  const removableFrom = openUntil(p.deprecatedOn, p.workflows);
  return { deprecatableFrom, deprecateBy, removableFrom, removeBy: day(ms(removableFrom) + SLACK_DAYS * DAY) };
}
