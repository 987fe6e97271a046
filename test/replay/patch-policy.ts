// The patch policy (docs/upgrades.md) as a check: the registry (workflows/patches.ts) against the calls in
// the workflow code and against a day. Pure, so the unit test can also show that it fails when it should.
import { MAX_LIVE, openUntil, windowOf, type PatchRecord } from '../../workflows/patches.js';

export interface PatchCalls {
  /** Ids of `patched('id')` calls. */
  patched: string[];
  /** Ids of `deprecatePatch('id')` calls. */
  deprecated: string[];
  /** Calls whose id is not a string literal. */
  dynamic: string[];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Where the registry and the code disagree, or where the registry breaks the policy's order of steps. */
export function registryProblems(records: PatchRecord[], calls: PatchCalls): string[] {
  const problems: string[] = [];
  const byName = new Map<string, PatchRecord>();
  for (const r of records) {
    if (byName.has(r.name)) problems.push(`${r.name}: recorded twice`);
    byName.set(r.name, r);
    for (const [field, value] of Object.entries(r))
      if (/On$|^introduced$|After$/.test(field) && !DATE.test(String(value)))
        problems.push(`${r.name}: ${field} is not YYYY-MM-DD`);
  }
  for (const c of calls.dynamic) problems.push(`${c}: a patch id must be a string literal`);
  const stageOf = (name: string, call: string, want: PatchRecord['stage']) => {
    const r = byName.get(name);
    if (!r) problems.push(`${call}('${name}') has no record in workflows/patches.ts`);
    else if (r.stage !== want) problems.push(`${call}('${name}') is in the code but recorded as ${r.stage}`);
  };
  for (const id of calls.patched) stageOf(id, 'patched', 'live');
  for (const id of calls.deprecated) stageOf(id, 'deprecatePatch', 'deprecated');
  for (const r of records) {
    const w = windowOf(r);
    if (r.stage === 'live' && !calls.patched.includes(r.name))
      problems.push(`${r.name}: recorded as live, but no patched('${r.name}') in workflows/`);
    if (r.stage === 'deprecated' && !calls.deprecated.includes(r.name))
      problems.push(`${r.name}: recorded as deprecated, but no deprecatePatch('${r.name}') in workflows/`);
    if (r.stage === 'live' && (r.deprecatedOn || r.removedOn)) problems.push(`${r.name}: live, yet has a later step`);
    if (r.stage !== 'live' && !r.supersededBy) {
      if (!r.deprecatedOn) problems.push(`${r.name}: ${r.stage} without deprecatedOn`);
      else if (r.deprecatedOn < w.deprecatableFrom)
        problems.push(
          `${r.name}: deprecated on ${r.deprecatedOn}, before runs started without it can have ended (${w.deprecatableFrom})`,
        );
      if (r.removableAfter !== w.removableFrom)
        problems.push(`${r.name}: removableAfter should be ${w.removableFrom} (runs started before ${r.deprecatedOn})`);
    }
    if (r.stage === 'removed') {
      if (!r.removedOn) problems.push(`${r.name}: removed without removedOn`);
      if (r.supersededBy) {
        const by = byName.get(r.supersededBy);
        if (!by || by.stage === 'live')
          problems.push(`${r.name}: superseded by ${r.supersededBy}, which is not deprecated or removed`);
        else if (r.removedOn && by.deprecatedOn && r.removedOn < by.deprecatedOn)
          problems.push(`${r.name}: removed before ${r.supersededBy} was deprecated`);
      } else if (r.removedOn && w.removableFrom && r.removedOn < w.removableFrom)
        problems.push(
          `${r.name}: removed on ${r.removedOn}, before runs that hold its patched() marker can have ended (${w.removableFrom})`,
        );
    }
  }
  const live = records.filter((r) => r.stage === 'live').length;
  if (live > MAX_LIVE) problems.push(`${live} live patched() calls: at most ${MAX_LIVE}`);
  return problems;
}

/** Patches that outlived their window on `today` (YYYY-MM-DD): the step that is due, and since when. */
export function overdue(records: PatchRecord[], today: string): string[] {
  const late: string[] = [];
  for (const r of records) {
    const w = windowOf(r);
    if (r.stage === 'live' && today > w.deprecateBy)
      late.push(
        `patched('${r.name}') outlived its window: deprecate it (deprecatePatch, old branch deleted) by ${w.deprecateBy}; every run started before ${r.introduced}'s release has ended since ${w.deprecatableFrom}`,
      );
    if (r.stage === 'deprecated' && w.removeBy && today > w.removeBy)
      late.push(
        `deprecatePatch('${r.name}') outlived its window: remove the call by ${w.removeBy}; runs started before ${r.deprecatedOn} have ended since ${w.removableFrom}`,
      );
  }
  return late;
}

export { openUntil };
