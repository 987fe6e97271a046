// The text half of each `aofctl mcp` tool answer (the structured half is the object itself): short, plain
// lines a coding agent or a person reads.
import { changeRef } from '../forges/port.js';
import type { DeployRequests, GateFindings, ReviewAnswer } from './pull-request-state.js';

const short = (sha: string) => sha.slice(0, 12);
const more = (shown: number, total: number, what: string) =>
  total > shown ? [`… and ${total - shown} more ${what}`] : [];

export function renderFindings(r: GateFindings): string {
  const head = `${r.gate} gate on ${r.repository}${changeRef(r, r.number)} (${r.gateStatus}${r.reviewing ? `, reviewing ${short(r.reviewing)}` : ''}${r.requestPending ? ', a request waiting' : ''})`;
  const v = r.verdict;
  if (!v) return `${head}: no review has completed yet.`;
  const c = v.coverage;
  return [
    `${head}: ${v.conclusion} at ${short(v.headSha)}, ${v.findingsTotal} finding(s).${v.note ? ` ${v.note}.` : ''}`,
    ...v.findings.map((f) => `- ${f.path}:${f.line} [${f.severity}, ${f.reviewer}] in ${f.function}: ${f.message}`),
    ...more(v.findings.length, v.findingsTotal, 'finding(s)'),
    `Coverage: ${c.reviewedTotal} function(s) reviewed, ${c.reusedTotal} reused from an earlier review, ${c.skippedTotal} file(s) skipped.`,
    ...c.skipped.map((s) => `- skipped ${s.path}: ${s.reason}`),
    ...more(c.skipped.length, c.skippedTotal, 'skipped file(s)'),
  ].join('\n');
}

export function renderDeployRequests(r: DeployRequests): string {
  const lines = [`Deploys of ${r.repository}${changeRef(r, r.number)}:`];
  if (r.waiting.length === 0) lines.push('- none waiting for approval');
  for (const w of r.waiting) {
    const who = [
      ...(w.approvers ?? []).map((a) => `@${a}`),
      ...(w.minPermission ? [`anyone with ${w.minPermission} permission`] : []),
    ].join(', ');
    lines.push(
      `- ${w.environment}: waiting since ${w.since ?? '?'} for ${w.minApprovers ?? 1} approval(s)${who ? ` from ${who}` : ''}` +
        `${w.approvedBy?.length ? `; approved by ${w.approvedBy.map((a) => `@${a}`).join(', ')}` : ''}` +
        `${w.headSha ? ` (commit ${short(w.headSha)})` : ''}`,
    );
  }
  lines.push(...more(Math.min(r.flowsTotal, 20), r.flowsTotal, 'flow(s) not looked at'));
  lines.push(r.locks.length ? 'Environment locks:' : 'No environment lock is held or awaited.');
  for (const l of r.locks)
    lines.push(
      `- ${l.environment}: held by ${l.holder ?? 'nobody'}; queue: ${l.queue.map((q) => `${q.position}. ${q.label}${q.thisPullRequest ? ' (this pull request)' : ''}`).join(', ')}`,
      ...more(l.queue.length, l.queueTotal, 'in the queue'),
    );
  lines.push(...more(r.locks.length, r.locksTotal, 'lock(s)'));
  return lines.join('\n');
}

export function renderReview(r: ReviewAnswer): string {
  return r.status === 'requested'
    ? `Review requested (${r.gateWasRunning ? 'the gate was running' : 'the gate started again'}); read the verdict with gate_findings when it is done.`
    : `The gate is already reviewing${r.reviewing ? ` ${short(r.reviewing)}` : ''}, or has a request waiting; nothing was sent. Read the verdict with gate_findings when it is done.`;
}
