// The one comment a fleet posts: each member's answer, failures beside the results, and the decision.
import type { Decision } from './consensus.js';
import { fit } from '../forges/github/limits.js';

/** Where the report is cut, visibly: under a comment's 65,536 characters, with room for its marker. */
export const FLEET_REPORT_MAX = 65000;

export interface MemberOutcome {
  member: string;
  agent: string;
  ok: boolean;
  answer?: string;
  /** The real error: kept in the workflow's result, never posted. */
  error?: string;
  /** What the report shows instead. */
  publicError?: string;
}

export function fleetReport(
  fleet: string,
  mode: string,
  outcomes: MemberOutcome[],
  decision?: Decision,
  final?: { agent: string; answer: string },
): string {
  const lines = [`## Fleet ${fleet} (${mode})`, ''];
  if (decision) lines.push(`**Decision** — ${decision.explanation}`, '');
  if (final) lines.push(`### Summary by ${final.agent}`, '', final.answer, '');
  for (const o of outcomes) {
    lines.push(
      `### ${o.member}${o.member !== o.agent ? ` (${o.agent})` : ''}${o.ok ? '' : ' — failed'}`,
      '',
      o.ok ? (o.answer ?? '') : `> ${o.publicError ?? o.error}`,
      '',
    );
  }
  return fit(lines.join('\n').trim(), { max: FLEET_REPORT_MAX, unit: 'chars' });
}
