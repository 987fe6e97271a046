// Events that reach a flow already running on a pull request rather than starting anything: `/approve`
// and `/reject` comments, new pushes (which void approvals) and the PR closing. Pure: what to signal.
import type { ApprovalComment } from '../../workflows/definitions.js';
import { carriesProductMarker, isBotLogin, isBotSender } from '../routing/bots.js';
import type { DeliveryIdentity } from './identity.js';
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
    const m = line ? /^\/(approve|reject)(?:\s+(.*))?$/i.exec(line) : null;
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
