// Events that reach a flow already running on a pull request rather than starting anything: `/approve`
// and `/reject` comments, new pushes (which void approvals) and the PR closing. Pure: what to signal.
import type { ApprovalComment } from '../../workflows/definitions.js';
import { isBotLogin, isBotSender } from '../routing/bots.js';
import { commandLine } from '../routing/route.js';

export type PrSignal =
  | { name: 'approval'; arg: ApprovalComment; reply: boolean }
  | { name: 'headChanged'; arg: { sha: string; deliveryId: string }; reply: false }
  | { name: 'prClosed'; arg: { deliveryId: string }; reply: false };

export interface PrSignalTarget {
  repo: string;
  number: number;
  signal: PrSignal;
  /** Approval commands are answered here and not routed further. */
  consumes: boolean;
}

export function prSignalOf(
  event: string,
  payload: Record<string, any>,
  deliveryId: string,
  botName: string | undefined,
): PrSignalTarget | undefined {
  const repo = payload.repository?.full_name as string | undefined;
  if (!repo) return undefined;
  if (event === 'issue_comment' && payload.issue?.pull_request) {
    const line = commandLine(event, payload);
    // The command word exactly, then whitespace or the end: `/approve\u200b` or `/approved` are not commands.
    const m = line ? /^\/(approve|reject)(?:\s+(.*))?$/i.exec(line) : null;
    const login = String(payload.sender?.login ?? '');
    // Bots never approve: neither this one nor any other.
    if (!m || payload.action !== 'created' || isBotLogin(login, botName) || isBotSender(payload.sender))
      return undefined;
    const decision = m[1]!.toLowerCase() === 'approve' ? 'approve' : 'reject';
    return {
      repo,
      number: payload.issue.number,
      consumes: true,
      signal: {
        name: 'approval',
        reply: true,
        arg: {
          deliveryId,
          commentId: payload.comment.id,
          login,
          decision,
          ...(m[2] ? { reason: m[2].slice(0, 500) } : {}),
        },
      },
    };
  }
  if (event === 'pull_request' && payload.action === 'synchronize') {
    return {
      repo,
      number: payload.pull_request.number,
      consumes: false,
      signal: { name: 'headChanged', reply: false, arg: { sha: payload.pull_request.head.sha, deliveryId } },
    };
  }
  if (event === 'pull_request' && payload.action === 'closed') {
    return {
      repo,
      number: payload.pull_request.number,
      consumes: false,
      signal: { name: 'prClosed', reply: false, arg: { deliveryId } },
    };
  }
  return undefined;
}
