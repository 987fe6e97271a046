// Which patched() ids a history took the new path of (their markers, and whether `deprecatePatch` wrote
// them), and which ids the workflow code uses: the replay suite checks that every patch's new path has a
// recorded history, the patch policy test (patch-policy.test.ts) that the code and workflows/patches.ts
// agree, and the recorder picks the runs that add one.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface JsonEvent {
  workflowExecutionCompletedEventAttributes?: { result?: { payloads?: { data?: string }[] } };
  upsertWorkflowSearchAttributesEventAttributes?: {
    searchAttributes?: { indexedFields?: Record<string, { data?: string }> };
  };
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string } };
  workflowExecutionUpdateAcceptedEventAttributes?: { acceptedRequest?: { input?: { name?: string } } };
  workflowExecutionSignaledEventAttributes?: { signalName?: string };
  markerRecordedEventAttributes?: {
    markerName?: string;
    details?: Record<string, { payloads?: { data?: string }[] }>;
  };
}

/** The patch markers a history (as JSON, or its events) holds, each once: its id, and whether it was written by `deprecatePatch`. */
export function patchMarkersOf(events: JsonEvent[]): { id: string; deprecated: boolean }[] {
  const markers = new Map<string, boolean>();
  for (const e of events) {
    const m = e.markerRecordedEventAttributes;
    if (m?.markerName !== 'core_patch') continue;
    for (const p of m.details?.['patch-data']?.payloads ?? []) {
      const { id, deprecated } = JSON.parse(Buffer.from(p.data ?? '', 'base64').toString('utf8')) as {
        id?: string;
        deprecated?: boolean;
      };
      if (id) markers.set(id, Boolean(deprecated));
    }
  }
  return [...markers].map(([id, deprecated]) => ({ id, deprecated }));
}

/** The patch ids whose markers a history (as JSON, or its events) holds. */
export function patchIdsOf(events: JsonEvent[]): Set<string> {
  return new Set(patchMarkersOf(events).map((m) => m.id));
}

/**
 * The patch ids a history holds a `deprecatePatch` marker of: such a history keeps replaying once the call
 * is gone (Temporal skips deprecated markers; a `patched()` marker without its call is nondeterminism).
 */
export function deprecatedPatchIdsOf(events: JsonEvent[]): Set<string> {
  return new Set(patchMarkersOf(events).flatMap((m) => (m.deprecated ? [m.id] : [])));
}

/** The updates a history took (`update:<name>`): a handler added later gets a history of its own. */
export function updatesOf(events: JsonEvent[]): Set<string> {
  const names = new Set<string>();
  for (const e of events) {
    const name = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name;
    if (name) names.add(`update:${name}`);
  }
  return names;
}

/**
 * The signals a history received (`signal:<name>`): a branch taken only on a new signal (a flow the
 * stale-lock sweep cancels, told why first) gets a history of its own.
 */
export function signalsOf(events: JsonEvent[]): Set<string> {
  const names = new Set<string>();
  for (const e of events) {
    const name = e.workflowExecutionSignaledEventAttributes?.signalName;
    if (name) names.add(`signal:${name}`);
  }
  return names;
}

/**
 * The activities a history scheduled (`activity:<type>`): a step added to a workflow without a patch (one
 * only runs that could not exist before take, such as an agent's output_schema check) gets a history of its own.
 */
export function activitiesOf(events: JsonEvent[]): Set<string> {
  const names = new Set<string>();
  for (const e of events) {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (name) names.add(`activity:${name}`);
  }
  return names;
}

/**
 * `flow:compensated` when a flow run completed after undoing a node (a record with `undid` in its result):
 * a path gated on the flow's own input (`compensate`), which runs from before could not take, gets a
 * history of its own.
 */
export function flowPathsOf(events: JsonEvent[]): Set<string> {
  const paths = new Set<string>();
  for (const e of events) {
    const data = e.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0]?.data;
    if (!data) continue;
    try {
      const result = JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { nodes?: { undid?: string }[] };
      if (Array.isArray(result?.nodes) && result.nodes.some((n) => n?.undid)) paths.add('flow:compensated');
    } catch {
      // not JSON: not a flow's result
    }
  }
  return paths;
}

/**
 * The run states a history marked (`state:<AofState>`): a branch that ends a run in a state of its own (a
 * review skipped by the repository's configuration) gets a history, though it adds no patch or activity.
 */
export function statesOf(events: JsonEvent[]): Set<string> {
  const states = new Set<string>();
  for (const e of events) {
    const data = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.AofState?.data;
    // Its first word: a gate's states carry the head they review (`reviewing 7c52119`).
    if (data) states.add(`state:${String(JSON.parse(Buffer.from(data, 'base64').toString('utf8'))).split(/[\s:]/)[0]}`);
  }
  return states;
}

/**
 * The workflow code's files, in subfolders too (workflows/flow-nodes/), as paths relative to `dir`: not the
 * registry of patches (workflows/patches.ts), which names them.
 */
const codeFiles = (dir: string) =>
  (readdirSync(dir, { recursive: true }) as string[]).filter((n) => n.endsWith('.ts') && n !== 'patches.ts');

/** Every `patched('id')` in the workflow code; with `call: 'deprecatePatch'`, every `deprecatePatch('id')`. */
export function patchIdsInCode(
  dir = join(import.meta.dirname, '../../workflows'),
  call: 'patched' | 'deprecatePatch' = 'patched',
): string[] {
  const ids = new Set<string>();
  const pattern = new RegExp(`\\b${call}\\(\\s*'([^']+)'\\s*\\)`, 'g');
  for (const f of codeFiles(dir)) for (const m of readFileSync(join(dir, f), 'utf8').matchAll(pattern)) ids.add(m[1]!);
  return [...ids].sort();
}

/** Calls of either kind whose argument is not a string literal: the registry could not know them. */
export function dynamicPatchCalls(dir = join(import.meta.dirname, '../../workflows')): string[] {
  const found: string[] = [];
  for (const f of codeFiles(dir))
    for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/\b(?:patched|deprecatePatch)\(\s*[^'\s)][^)]*\)/g))
      found.push(`${f}: ${m[0]}`);
  return found;
}
