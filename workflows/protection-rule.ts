// A flow bound to GitHub's `deployment_protection_rule` event decides for a GitHub Actions deployment that
// waits on this App: when the flow ends it answers GitHub once, `approved` when the flow succeeded (and
// its approval, if it asked for one, was granted), `rejected` on any other end (a rejection, an expired or
// voided approval, a failure, a cancellation), with a comment saying why. GitHub waits at most 30 days for
// the answer, so an approval in such a flow never waits past that window (approvalDeadline).
import { ActivityFailure, CancellationScope } from '@temporalio/workflow';
import type { ProtectionAnswered } from '../src/forges/port.js';
import type { forgeActivities } from './activities.js';
import type { ApprovalOutcome } from './approval-gate.js';
import type { ProtectionRuleRequest } from './types.js';
import type { ForgeTarget } from '../src/forges/port.js';

/** How long GitHub waits for a custom protection rule's answer before it fails the deployment. */
export const PROTECTION_WINDOW_MS = 30 * 86_400_000;
/** Kept back from the window: the delivery's way here, the flow's last steps and the answer's retries. */
export const ANSWER_MARGIN_MS = 3600_000;

/** The latest an approval of this request may still wait (workflow clock, ms). */
export const approvalDeadline = (rule: ProtectionRuleRequest): number =>
  Date.parse(rule.requestedAt) + PROTECTION_WINDOW_MS - ANSWER_MARGIN_MS;

/** What the flow answered GitHub, in its result. */
export interface ProtectionRuleAnswer extends ProtectionAnswered {
  state: 'approved' | 'rejected';
  comment: string;
}

const hours = (ms: number) => `${Math.round(ms / 3600_000)} h`;

/** The decision and its comment, from how the flow ended (`ok`: it ended in success). */
export function protectionVerdict(
  flow: string,
  ok: boolean,
  status: string,
  approval: ApprovalOutcome | undefined,
): { state: 'approved' | 'rejected'; comment: string } {
  const by = approval?.approvals.map((a) => `@${a.login}`).join(', ');
  if (ok && (approval === undefined || approval.decision === 'approved'))
    return { state: 'approved', comment: `Flow ${flow}: ${status}${by ? `, approved by ${by}` : ''}.` };
  const why =
    approval?.decision === 'rejected'
      ? `rejected${approval.detail ? `: ${approval.detail}` : ''}`
      : approval?.decision === 'expired'
        ? 'the approval request expired without enough approvals'
        : approval?.decision === 'invalidated'
          ? 'a new push voided the approvals'
          : approval?.decision === 'closed'
            ? 'the pull request was closed'
            : `ended ${status}`;
  return { state: 'rejected', comment: `Flow ${flow}: ${why}.` };
}

/** Answers GitHub once (the activity finds an answer an earlier attempt gave); never throws. */
export async function answerProtectionRule(
  forge: ReturnType<typeof forgeActivities>,
  target: ForgeTarget,
  rule: ProtectionRuleRequest,
  verdict: { state: 'approved' | 'rejected'; comment: string },
): Promise<ProtectionRuleAnswer> {
  return CancellationScope.nonCancellable(async () => {
    try {
      const r = await forge.answerProtectionRule({
        ...target,
        runId: rule.runId,
        environment: rule.environment,
        ...verdict,
      });
      return { ...verdict, ...r };
    } catch (err) {
      // GitHub refused for good (the run is gone, the App lost access): the flow says so in its result.
      const cause = err instanceof ActivityFailure ? (err.cause?.message ?? err.message) : (err as Error).message;
      return { ...verdict, answered: false, note: cause.slice(0, 300) };
    }
  });
}

/** The approval's timeout within GitHub's window, and the note the approval request then shows. */
export function clampedApproval(
  rule: ProtectionRuleRequest,
  timeoutMs: number,
  now: number,
): { timeoutMs: number; note: string } {
  const left = Math.max(1000, approvalDeadline(rule) - now);
  const run = `GitHub Actions run ${rule.runId} waits for this decision`;
  return left < timeoutMs
    ? {
        timeoutMs: left,
        note: `${run}. GitHub waits at most 30 days for it, so this request expires in ${hours(left)} instead of the configured ${hours(timeoutMs)}.`,
      }
    : { timeoutMs, note: `${run}.` };
}
