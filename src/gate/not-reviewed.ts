// The one place that says why a head was not reviewed: every push the gate does not review gets a
// completed, neutral check (a commit status elsewhere) with one of these reasons, never a failure and
// never one left in progress. Pure: workflow code imports it.
import type { Tier } from '../config/schema.js';

export type NotReviewed =
  /** Someone paused the gate with `/pause`. */
  | { kind: 'paused'; by: string }
  /** A newer push arrived within the gate's quiet period: that head is reviewed instead. */
  | { kind: 'superseded'; by: string }
  /** The month's analyses of the account's tier are used up. */
  | { kind: 'quota'; tier: Tier; limit: number; upgradeUrl: string }
  /**
   * The repository's configuration (.github/aof.yaml) skips it: `detail` says which rule (the gate is
   * off, a draft, an author, a title keyword, a base branch); `noun` is the forge's name of a change.
   */
  | { kind: 'skipped'; detail: string; noun: string };

/** The check of a head that was not reviewed: its conclusion, title and summary. */
export function notReviewedCheck(checkName: string, why: NotReviewed) {
  const said = ((): { title: string; summary: string } => {
    switch (why.kind) {
      case 'paused':
        return {
          title: `${checkName} — paused by @${why.by}`,
          summary: `Not reviewed: @${why.by} paused this gate. Comment \`/resume\` to review the newest head.`,
        };
      case 'superseded':
        return {
          title: `${checkName} — superseded by ${why.by.slice(0, 7)}`,
          summary: `Not reviewed: a newer push (${why.by}) arrived within the gate's quiet period; its review covers this commit.`,
        };
      case 'quota':
        return {
          title: `${checkName} — quota reached`,
          summary: `The ${why.tier} tier's ${why.limit} analyses this month are used up; nothing was analysed. Upgrade: ${why.upgradeUrl}`,
        };
      case 'skipped':
        return {
          title: `${checkName} — skipped: ${why.detail}`.slice(0, 200),
          summary: `This ${why.noun} was not reviewed: ${why.detail}.`,
        };
    }
  })();
  return { conclusion: 'neutral' as const, ...said };
}
