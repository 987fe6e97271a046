// Routing: a pure function of (triggers, event) -> the target to run, or the reason nothing runs.
// Triggers are tried in load order (daemon file, then resource files sorted by path, documents in file
// order); the first whose filters all match wins. A trigger's filters apply to that trigger only.
import type { BindingSpec, Trigger } from '../config/schema.js';
import { FORGES } from '../config/forges.js';
import type { ForgeEvent } from '../forges/port.js';
import { githubEvent } from '../forges/github/event.js';
import { carriesProductMarker, isBotLogin } from './bots.js';
import { matchesAny } from './glob.js';
import type { Metadata, VerifiedFields } from './metadata.js';

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

/** The slash command line of a comment's text: its first line when it starts with `/`. */
export function commandLineOf(body: string | undefined): string | undefined {
  const first = (body ?? '').split(/\r?\n/, 1)[0]!.trim();
  return first.startsWith('/') ? first.replace(/\s+/g, ' ') : undefined;
}

/** Why a trigger's filters reject this event, or undefined when they all match. */
function filterMismatch(trigger: Trigger, ev: ForgeEvent): string | undefined {
  // A Trigger takes its own forge's events only (the same command keys may exist on several).
  const forge = FORGES[trigger.spec.type];
  if (forge.id !== ev.forge) return `a ${trigger.spec.type} Trigger, and this is a ${FORGE_TITLES[ev.forge]} event`;
  const c = trigger.spec.config as FilterConfig;
  const action = ev.action;
  const events = c[forge.eventsKey] as string[] | undefined;
  if (events && !events.some((e) => e === ev.event || e === ev.alias || (action && e === `${ev.event}.${action}`))) {
    return `event "${ev.event}" not in ${forge.eventsKey}`;
  }
  if (c.actions && !(action && c.actions.includes(action))) return `action "${action ?? '(none)'}" not in actions`;
  const repo = ev.repository;
  for (const [key, list] of [
    ['repositories', c.repositories],
    ['repositories', c.allowed_repos],
    ['projects', c.projects],
  ] as const) {
    if (list && !(repo && matchesAny(repo, list, 'i'))) return `repository "${repo ?? '(none)'}" not in ${key}`;
  }
  if (c.branches) {
    // Events that carry no branch (issues, most comments) are not filtered by branch.
    if (typeof ev.branch === 'string' && !matchesAny(ev.branch, c.branches))
      return `branch "${ev.branch}" not in branches`;
    if (ev.branch === null) return `push to "${String(ev.metadata.ref)}" is not a branch`;
  }
  if (!c.allow_bots && ev.sender?.bot) return `sender "${ev.sender.login}" is a bot (allow_bots is off)`;
  const sender = ev.sender?.login;
  if (c.allowed_users && !(sender && c.allowed_users.some((u) => u.toLowerCase() === sender.toLowerCase()))) {
    return `sender "${sender ?? '(none)'}" not in allowed_users`;
  }
  return undefined;
}

/** The filters every forge's Trigger config may carry (src/config/forges.ts). */
type FilterConfig = Record<string, unknown> & {
  actions?: string[];
  repositories?: string[];
  allowed_repos?: string[];
  projects?: string[];
  branches?: string[];
  allowed_users?: string[];
  allow_bots?: boolean;
};

const FORGE_TITLES = { github: 'GitHub', gitlab: 'GitLab', bitbucket: 'Bitbucket' } as const;

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

/** The gate binding a merge group goes to when no `merge_group` key binds it: checks_requested's, else the first gate's. */
function mergeGroupGate(commands: Record<string, BindingSpec>): [string, BindingSpec] | undefined {
  const requested = commands['merge_group.checks_requested'];
  if (requested?.gate) return ['merge_group.checks_requested', requested];
  return Object.entries(commands).find(([, b]) => b.gate);
}

/** Whether a trigger's filters (events, actions, repositories, branches, senders) accept this event. */
export function triggerAccepts(trigger: Trigger, event: string, payload: Payload, verified?: VerifiedFields): boolean {
  return eventAccepted(trigger, githubEvent(event, payload, verified));
}

export function eventAccepted(trigger: Trigger, ev: ForgeEvent): boolean {
  return filterMismatch(trigger, ev) === undefined;
}

/**
 * A GitHub delivery. `bots`: the bot's own logins (from its credentials, plus `bot_name`); `verified`: what
 * the ingress verified about the delivery, which the filters, ids and context variables read instead of
 * the payload.
 */
export function route(
  triggers: Trigger[],
  event: string,
  payload: Payload,
  bots: string | readonly string[] | undefined,
  verified?: VerifiedFields,
): RouteDecision {
  return routeEvent(triggers, githubEvent(event, payload, verified), bots);
}

/** Routes a forge's event (made by its adapter): the same rules on every forge. */
export function routeEvent(
  triggers: Trigger[],
  ev: ForgeEvent,
  bots: string | readonly string[] | undefined,
): RouteDecision {
  const metadata = ev.metadata as Metadata;
  const unhandled = (reason: string): Unhandled => ({ matched: false, reason, metadata });
  if (isBotLogin(ev.sender?.login, bots)) return unhandled('sent by the bot itself');
  if (carriesProductMarker(ev.comment?.body))
    return unhandled('the comment carries this product’s own marker (its own output is never a command)');

  const line = commandLineOf(ev.comment?.body);
  // Only a newly created comment runs a command or the default agent: an edit or deletion must never
  // replay one. A Trigger may still bind `issue_comment.edited` explicitly.
  const staleComment = ev.comment !== undefined && !ev.comment.created;
  if (line && staleComment) return unhandled(`commands run only on created comments, not "${ev.action}"`);

  const reasons: string[] = [];
  for (const trigger of triggers) {
    const mismatch = filterMismatch(trigger, ev);
    if (mismatch) {
      reasons.push(`${trigger.metadata.name}: ${mismatch}`);
      continue;
    }
    const spec = trigger.spec;
    const base = { matched: true as const, trigger: trigger.metadata.name, metadata };
    // A gate reviews a pull request or a merge queue's group: an event about neither is answered (2xx)
    // with the reason, not started.
    const bound = (key: string, binding: BindingSpec, args?: string): RouteDecision =>
      binding.gate && !ev.review && !ev.mergeGroup
        ? unhandled(
            `${trigger.metadata.name}: ${key} binds gate "${binding.gate}", but this ${ev.event} is about no ${ev.forge === 'gitlab' ? 'merge' : 'pull'} request`,
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
    const action = ev.action;
    const keys = action ? [`${ev.event}.${action}`, ev.event] : ev.alias ? [ev.alias, ev.event] : [ev.event];
    for (const key of keys) {
      const binding = spec.commands?.[key];
      if (binding) return bound(key, binding);
    }
    // A merge queue stalls on a required gate check that never reports on the group's commit: a trigger
    // that takes merge_group events and binds a gate (for any key) checks the group with it, and a
    // `destroyed` group reaches the gate its `checks_requested` went to.
    const gated = ev.mergeGroup ? mergeGroupGate(spec.commands ?? {}) : undefined;
    if (gated) return bound(gated[0], gated[1]);
    if (spec.default_agent && !staleComment)
      return { ...base, key: 'default_agent', target: { kind: 'agent', name: spec.default_agent }, params: {} };
    return unhandled(
      `${trigger.metadata.name}: matched, but binds nothing for ${line ?? (action ? `${ev.event}.${action}` : ev.event)} and has no default_agent`,
    );
  }
  return unhandled(reasons.length ? `no trigger matched (${reasons.join('; ')})` : 'no triggers configured');
}
