// A Trigger's events and actions against what its forge sends (src/config/forges.ts): a typo such as
// `openned` would otherwise load fine and never match anything. An event name we do not know is refused
// only when it looks like a typo of one we know (forges add events faster than any table).
import { FORGES, type Forge } from './forges.js';
import { didYouMean } from './problems.js';
import type { Trigger } from './schema.js';
import type { Sourced } from './parse-resources.js';

export interface EventProblem {
  path: (string | number)[];
  message: string;
}

function unknownEvent(forge: Forge, event: string): string | undefined {
  if (event in forge.events) return undefined;
  const hint = didYouMean(event, Object.keys(forge.events));
  return hint ? `unknown ${forge.type} event "${event}"${hint}` : undefined;
}

function unknownAction(forge: Forge, event: string, action: string): string | undefined {
  const actions = forge.events[event];
  if (!actions || actions.includes(action)) return undefined;
  if (!actions.length) return `${event} events carry no action, so "${action}" never matches`;
  return `${event} has no action "${action}"${didYouMean(action, actions)}; ${event} actions: ${actions.join(', ')}`;
}

/** `event.action` (GitHub, GitLab) or a whole event key (Bitbucket's `pullrequest:created`). */
function check(forge: Forge, entry: string): { event: string; message?: string } {
  const dot = forge.dottedActions ? entry.indexOf('.') : -1;
  const [event, action] = dot < 0 ? [entry, undefined] : [entry.slice(0, dot), entry.slice(dot + 1)];
  return {
    event,
    message: unknownEvent(forge, event) ?? (action !== undefined ? unknownAction(forge, event, action) : undefined),
  };
}

export function eventProblems(t: Sourced<Trigger>): EventProblem[] {
  const problems: EventProblem[] = [];
  const spec = t.resource.spec;
  const forge: Forge = FORGES[spec.type];
  const config = spec.config as Record<string, string[] | undefined>;
  const listed: string[] = [];
  (config[forge.eventsKey] ?? []).forEach((entry, i) => {
    const { event, message } = check(forge, entry);
    if (message) problems.push({ path: ['spec', 'config', forge.eventsKey, i], message });
    listed.push(event);
  });
  // Actions are checked against the listed events, or against every event when none are listed.
  const events = forge.events;
  const known = listed.filter((e) => e in events);
  const candidates = known.length ? known : listed.length ? [] : Object.keys(events);
  (config.actions ?? []).forEach((action, i) => {
    if (!candidates.length || candidates.some((e) => events[e]!.includes(action))) return;
    const all = [...new Set(candidates.flatMap((e) => events[e]!))];
    const message = !all.length
      ? `${candidates.join(', ')} events carry no action, so "${action}" never matches`
      : candidates.length === 1
        ? unknownAction(forge, candidates[0]!, action)!
        : `no listed event has action "${action}"${didYouMean(action, all)}`;
    problems.push({ path: ['spec', 'config', 'actions', i], message });
  });
  // Binding keys such as `pull_request.opened` or `merge_request.open` name an event and an action too.
  for (const key of Object.keys(spec.commands ?? {})) {
    if (key.startsWith('/')) continue;
    const { message } = check(forge, key);
    if (message) problems.push({ path: ['spec', 'commands', key], message });
  }
  return problems;
}
