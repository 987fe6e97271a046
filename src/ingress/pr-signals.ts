// Events that reach a flow already running on a pull or merge request rather than starting anything:
// `/approve` and `/reject` comments, new pushes (which void approvals) and the change closing. Pure, and
// the same for every forge: what to signal, read from the project's own event (the forge's adapter made
// it from the verified delivery).
import type { ApprovalComment } from '../../workflows/definitions.js';
import type { ForgeEvent, ForgeName } from '../forges/port.js';
import { carriesProductMarker, isBotLogin } from '../routing/bots.js';
import { commandLineOf } from '../routing/route.js';

export type PrSignal =
  | { name: 'approval'; arg: ApprovalComment; reply: boolean }
  | { name: 'headChanged'; arg: { sha: string; deliveryId: string }; reply: false }
  | { name: 'prClosed'; arg: { deliveryId: string }; reply: false };

export interface PrSignalTarget {
  forge: ForgeName;
  /** The repository's full name (`owner/repo`, `group/sub/project`). */
  repo: string;
  /** The pull or merge request; absent for a comment on a commit (`commit`). */
  number?: number;
  /** A commit comment's commit: `/approve` there reaches a flow on that commit (no pull request). */
  commit?: string;
  signal: PrSignal;
  /** Approval commands are answered here and not routed further. */
  consumes: boolean;
}

/** The repository, number and head are the event's, which the adapter took from the verified delivery. */
export function prSignalOf(
  ev: ForgeEvent,
  deliveryId: string,
  bots: string | readonly string[] | undefined,
): PrSignalTarget | undefined {
  const repo = ev.repository;
  const number = ev.number;
  const commit = ev.comment?.onCommit;
  if (!repo || (number === undefined && commit === undefined)) return undefined;
  const on = commit !== undefined ? { forge: ev.forge, repo, commit } : { forge: ev.forge, repo, number };
  if (ev.comment && (ev.comment.onChange || commit !== undefined)) {
    const line = commandLineOf(ev.comment.body);
    // The command word exactly, then whitespace or the end: `/approve\u200b` or `/approved` are not commands.
    const m = line ? approvalCommand(line) : null;
    const login = ev.sender?.login ?? '';
    // Bots never approve: neither this one nor any other, nor a comment carrying the product's marker.
    if (
      !m ||
      !ev.comment.created ||
      ev.comment.id === undefined ||
      !login ||
      isBotLogin(login, bots) ||
      ev.sender?.bot ||
      carriesProductMarker(ev.comment.body)
    )
      return undefined;
    const decision = m[1]!.toLowerCase() === 'approve' ? 'approve' : 'reject';
    return {
      ...on,
      consumes: true,
      signal: {
        name: 'approval',
        reply: true,
        arg: {
          deliveryId,
          commentId: ev.comment.id,
          login,
          ...(ev.sender?.id !== undefined ? { senderId: ev.sender.id } : {}),
          decision,
          ...(m[2] ? { reason: m[2].slice(0, 500) } : {}),
        },
      },
    };
  }
  if (ev.transition === 'pushed' && ev.headSha)
    return {
      ...on,
      consumes: false,
      signal: { name: 'headChanged', reply: false, arg: { sha: ev.headSha, deliveryId } },
    };
  if (ev.transition === 'closed')
    return { ...on, consumes: false, signal: { name: 'prClosed', reply: false, arg: { deliveryId } } };
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
