// Events that reach a flow already running on a pull request rather than starting anything: `/approve`
// and `/reject` comments, new pushes (which void approvals) and the PR closing. Pure: what to signal.
import type { ApprovalComment } from '../../workflows/definitions.js';
import { carriesProductMarker, isBotLogin, isBotSender } from '../routing/bots.js';
import type { DeliveryIdentity } from './identity.js';
import { commandLine } from '../forges/github/event.js';

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

/** The repository, number and head come from the delivery's verified identity, never from the payload. */
export function prSignalOf(
  event: string,
  payload: Record<string, any>,
  deliveryId: string,
  bots: string | readonly string[] | undefined,
  identity: DeliveryIdentity,
): PrSignalTarget | undefined {
  const repo = identity.fullName;
  const number = identity.number;
  if (!repo || number === undefined) return undefined;
  if (event === 'issue_comment' && payload.issue?.pull_request) {
    const line = commandLine(event, payload);
    // The command word exactly, then whitespace or the end: `/approve\u200b` or `/approved` are not commands.
    const m = line ? approvalCommand(line) : null;
    const login = String(payload.sender?.login ?? '');
    // Bots never approve: neither this one nor any other, nor a comment carrying the product's marker.
    if (
      !m ||
      payload.action !== 'created' ||
      isBotLogin(login, bots) ||
      isBotSender(payload.sender) ||
      carriesProductMarker(payload.comment?.body)
    )
      return undefined;
    const decision = m[1]!.toLowerCase() === 'approve' ? 'approve' : 'reject';
    return {
      repo,
      number,
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
  if (event === 'pull_request' && payload.action === 'synchronize' && identity.headSha) {
    return {
      repo,
      number,
      consumes: false,
      signal: { name: 'headChanged', reply: false, arg: { sha: identity.headSha, deliveryId } },
    };
  }
  if (event === 'pull_request' && payload.action === 'closed') {
    return {
      repo,
      number,
      consumes: false,
      signal: { name: 'prClosed', reply: false, arg: { deliveryId } },
    };
  }
  return undefined;
}

/**
 * `/^\/(approve|reject)(?:\s+(.*))?$/i.exec(line)` without the regular expression, which backtracks
 * quadratically on a comment of spaces followed by a line break: [whole, command, reason].
 */
export function approvalCommand(line: string): [string, string, string | undefined] | null {
  const command = /^\/(approve|reject)/i.exec(line)?.[1];
  if (command === undefined) return null;
  const rest = line.slice(command.length + 1);
  if (rest === '') return [line, command, undefined];
  let w = 0;
  while (w < rest.length && /\s/.test(rest[w]!)) w++;
  const reason = rest.slice(w);
  // `\s+` needs one whitespace character; `.*$` then takes the rest, which holds no line terminator.
  if (w === 0 || /[\n\r\u2028\u2029]/.test(reason)) return null;
  return [line, command, reason];
}
