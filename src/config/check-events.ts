// A Trigger's events and actions against what GitHub sends: a typo such as `openned` would otherwise load
// fine and never match anything. An event name we do not know is refused only when it looks like a typo
// of one we know (GitHub adds events faster than any table).
import { EVENT_ACTIONS } from './event-actions.js';
import { didYouMean } from './problems.js';
import type { Trigger } from './schema.js';
import type { Sourced } from './parse-resources.js';

export interface EventProblem {
  path: (string | number)[];
  message: string;
}

const EVENTS = Object.keys(EVENT_ACTIONS);

function unknownEvent(event: string): string | undefined {
  if (event in EVENT_ACTIONS) return undefined;
  const hint = didYouMean(event, EVENTS);
  return hint ? `unknown GitHub event "${event}"${hint}` : undefined;
}

function unknownAction(event: string, action: string): string | undefined {
  const actions = EVENT_ACTIONS[event];
  if (!actions || actions.includes(action)) return undefined;
  if (!actions.length) return `${event} events carry no action, so "${action}" never matches`;
  return `${event} has no action "${action}"${didYouMean(action, actions)}; ${event} actions: ${actions.join(', ')}`;
}

export function eventProblems(t: Sourced<Trigger>): EventProblem[] {
  const problems: EventProblem[] = [];
  const { config, commands } = t.resource.spec;
  const listed: string[] = [];
  (config.github_events ?? []).forEach((entry, i) => {
    const dot = entry.indexOf('.');
    const [event, action] = dot < 0 ? [entry, undefined] : [entry.slice(0, dot), entry.slice(dot + 1)];
    const message = unknownEvent(event) ?? (action !== undefined ? unknownAction(event, action) : undefined);
    if (message) problems.push({ path: ['spec', 'config', 'github_events', i], message });
    listed.push(event);
  });
  // Actions are checked against the listed events, or against every event when none are listed.
  const known = listed.filter((e) => e in EVENT_ACTIONS);
  const candidates = known.length ? known : listed.length ? [] : EVENTS;
  (config.actions ?? []).forEach((action, i) => {
    if (!candidates.length || candidates.some((e) => EVENT_ACTIONS[e]!.includes(action))) return;
    const all = [...new Set(candidates.flatMap((e) => EVENT_ACTIONS[e]!))];
    const message = !all.length
      ? `${candidates.join(', ')} events carry no action, so "${action}" never matches`
      : candidates.length === 1
        ? unknownAction(candidates[0]!, action)!
        : `no listed event has action "${action}"${didYouMean(action, all)}`;
    problems.push({ path: ['spec', 'config', 'actions', i], message });
  });
  // Binding keys such as `pull_request.opened` name an event and an action too.
  for (const key of Object.keys(commands ?? {})) {
    if (key.startsWith('/')) continue;
    const dot = key.indexOf('.');
    const [event, action] = dot < 0 ? [key, undefined] : [key.slice(0, dot), key.slice(dot + 1)];
    const message = unknownEvent(event) ?? (action !== undefined ? unknownAction(event, action) : undefined);
    if (message) problems.push({ path: ['spec', 'commands', key], message });
  }
  return problems;
}
