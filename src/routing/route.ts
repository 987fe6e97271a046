// Routing: a pure function of (triggers, event) -> the target to run, or the reason nothing runs.
// Triggers are tried in load order (daemon file, then resource files sorted by path, documents in file
// order); the first whose filters all match wins. A trigger's filters apply to that trigger only.
import { reviewTarget } from './review-target.js';
import type { BindingSpec, Trigger } from '../config/schema.js';
import { carriesProductMarker, isBotLogin, isBotSender } from './bots.js';
import { matchesAny } from './glob.js';
import { computeMetadata, type Metadata, type VerifiedFields } from './metadata.js';

export interface Target {
  kind: 'agent' | 'fleet' | 'flow' | 'gate';
  name: string;
}

export interface Routed {
  matched: true;
  trigger: string;
  /** The command or event key that selected the target, or "default_agent". */
  key: string;
  target: Target;
  params: Record<string, unknown>;
  /** For slash commands: the rest of the first line after the command key. */
  args?: string;
  metadata: Metadata;
}

export interface Unhandled {
  matched: false;
  reason: string;
  metadata: Metadata;
}

export type RouteDecision = Routed | Unhandled;

type Payload = Record<string, any>;

const COMMENT_EVENTS = new Set([
  'issue_comment',
  'pull_request_review_comment',
  'commit_comment',
  'discussion_comment',
]);

/** The slash command line of a comment event, if any: the first line when it starts with `/`. */
export function commandLine(event: string, payload: Payload): string | undefined {
  if (!COMMENT_EVENTS.has(event)) return undefined;
  const first = String(payload.comment?.body ?? '')
    .split(/\r?\n/, 1)[0]!
    .trim();
  return first.startsWith('/') ? first.replace(/\s+/g, ' ') : undefined;
}

/** The branch an event is about: the pushed branch, or the base branch of a pull request. */
export function eventBranch(event: string, payload: Payload): string | undefined {
  if (event === 'push')
    return typeof payload.ref === 'string' && payload.ref.startsWith('refs/heads/') ? payload.ref.slice(11) : undefined;
  if (payload.pull_request?.base?.ref) return payload.pull_request.base.ref;
  if ((event === 'create' || event === 'delete') && payload.ref_type === 'branch') return payload.ref;
  return (
    payload.check_run?.check_suite?.head_branch ??
    payload.check_suite?.head_branch ??
    payload.workflow_run?.head_branch ??
    undefined
  );
}

/** Why a trigger's filters reject this event, or undefined when they all match. */
function filterMismatch(trigger: Trigger, event: string, payload: Payload, metadata: Metadata): string | undefined {
  // These are GitHub events: another forge's Trigger (same command keys, perhaps) never routes them.
  if (trigger.spec.type !== 'GitHub') return `a ${trigger.spec.type} Trigger, and this is a GitHub event`;
  const c = trigger.spec.config;
  const action = payload.action as string | undefined;
  if (c.github_events && !c.github_events.some((e) => e === event || (action && e === `${event}.${action}`))) {
    return `event "${event}" not in github_events`;
  }
  if (c.actions && !(action && c.actions.includes(action))) return `action "${action ?? '(none)'}" not in actions`;
  const repo = metadata.repo_full_name as string | undefined;
  for (const list of [c.repositories, c.allowed_repos]) {
    if (list && !(repo && matchesAny(repo, list, 'i'))) return `repository "${repo ?? '(none)'}" not in repositories`;
  }
  if (c.branches) {
    // Events that carry no branch (issues, most comments) are not filtered by branch.
    const branch = eventBranch(event, payload);
    if (branch !== undefined && !matchesAny(branch, c.branches)) return `branch "${branch}" not in branches`;
    if (branch === undefined && event === 'push') return `push to "${payload.ref}" is not a branch`;
  }
  if (!c.allow_bots && isBotSender(payload.sender))
    return `sender "${payload.sender?.login}" is a bot (allow_bots is off)`;
  const sender = metadata.sender_login as string | undefined;
  if (c.allowed_users && !(sender && c.allowed_users.some((u) => u.toLowerCase() === sender.toLowerCase()))) {
    return `sender "${sender ?? '(none)'}" not in allowed_users`;
  }
  return undefined;
}

function toTarget(b: BindingSpec): Target {
  if (b.agent) return { kind: 'agent', name: b.agent };
  if (b.fleet) return { kind: 'fleet', name: b.fleet };
  if (b.gate) return { kind: 'gate', name: b.gate };
  return { kind: 'flow', name: b.flow! };
}

/** Longest command key that the line starts with, on a word boundary (`/deploy production` beats `/deploy`). */
function matchCommand(line: string, commands: Record<string, BindingSpec>): [string, BindingSpec, string] | undefined {
  let best: [string, BindingSpec, string] | undefined;
  for (const [key, binding] of Object.entries(commands)) {
    if (!key.startsWith('/')) continue;
    const k = key.replace(/\s+/g, ' ');
    if ((line === k || line.startsWith(k + ' ')) && (!best || k.length > best[0].length)) {
      best = [key, binding, line.slice(k.length).trim()];
    }
  }
  return best;
}

/** Whether a trigger's filters (events, actions, repositories, branches, senders) accept this event. */
export function triggerAccepts(trigger: Trigger, event: string, payload: Payload, verified?: VerifiedFields): boolean {
  return filterMismatch(trigger, event, payload, computeMetadata(event, payload, verified)) === undefined;
}

/**
 * `bots`: the bot's own logins (from its credentials, plus `bot_name`); `verified`: what the ingress
 * verified about the delivery, which the filters, ids and context variables read instead of the payload.
 */
export function route(
  triggers: Trigger[],
  event: string,
  payload: Payload,
  bots: string | readonly string[] | undefined,
  verified?: VerifiedFields,
): RouteDecision {
  const metadata = computeMetadata(event, payload, verified);
  const unhandled = (reason: string): Unhandled => ({ matched: false, reason, metadata });
  if (isBotLogin(metadata.sender_login, bots)) return unhandled('sent by the bot itself');
  if (carriesProductMarker(payload.comment?.body))
    return unhandled('the comment carries this product’s own marker (its own output is never a command)');

  const line = commandLine(event, payload);
  // Only a newly created comment runs a command or the default agent: an edit or deletion must never
  // replay one. A Trigger may still bind `issue_comment.edited` explicitly.
  const staleComment = COMMENT_EVENTS.has(event) && payload.action !== 'created';
  if (line && staleComment) return unhandled(`commands run only on created comments, not "${payload.action}"`);

  const reasons: string[] = [];
  for (const trigger of triggers) {
    const mismatch = filterMismatch(trigger, event, payload, metadata);
    if (mismatch) {
      reasons.push(`${trigger.metadata.name}: ${mismatch}`);
      continue;
    }
    const spec = trigger.spec;
    const base = { matched: true as const, trigger: trigger.metadata.name, metadata };
    // A gate reviews a pull request: an event about none is answered (2xx) with the reason, not started.
    const bound = (key: string, binding: BindingSpec, args?: string): RouteDecision =>
      binding.gate && !reviewTarget(payload)
        ? unhandled(
            `${trigger.metadata.name}: ${key} binds gate "${binding.gate}", but this ${event} is about no pull request`,
          )
        : {
            ...base,
            key,
            target: toTarget(binding),
            params: binding.params ?? {},
            ...(args !== undefined ? { args } : {}),
          };
    const cmd = line ? matchCommand(line, spec.commands ?? {}) : undefined;
    if (cmd) return bound(cmd[0], cmd[1], cmd[2]);
    const action = payload.action as string | undefined;
    for (const key of action ? [`${event}.${action}`, event] : [event]) {
      const binding = spec.commands?.[key];
      if (binding) return bound(key, binding);
    }
    if (spec.default_agent && !staleComment)
      return { ...base, key: 'default_agent', target: { kind: 'agent', name: spec.default_agent }, params: {} };
    return unhandled(
      `${trigger.metadata.name}: matched, but binds nothing for ${line ?? (action ? `${event}.${action}` : event)} and has no default_agent`,
    );
  }
  return unhandled(reasons.length ? `no trigger matched (${reasons.join('; ')})` : 'no triggers configured');
}
