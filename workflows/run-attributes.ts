// Every run findable in the Web UI by forge, repository, number, kind and a current state kept up to date
// (`AofRepository = 'o/r' AND AofKind = 'flow'`, `AofForge = 'gitlab' AND AofRepository = 'group/project'`). Runs started before these attributes existed (before
// 2026-11-24) must have ended before a release that deprecates their patch (docs/upgrades.md): they are
// the running ones without `AofKind`.
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { deprecatePatch, patched, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { ForgeName } from '../src/forges/port.js';
import { AofForge, AofKind, AofNumber, AofRepository, AofState } from '../src/temporal/search-attributes.js';

export interface RunIdentity {
  kind: string;
  /** The forge of `repository` (absent on GitHub runs' older inputs: say 'github'). */
  forge?: ForgeName;
  repository?: string;
  number?: number;
}

/** Sets the run's state from then on; a no-op for a run that was not marked. */
export type RunState = (state: string) => void;

/** Marks this run, when it is a run of `workflowType` (not a function another workflow called). */
export function markRun(workflowType: string, id: RunIdentity, state: string): RunState {
  if (workflowInfo().workflowType !== workflowType) return () => undefined;
  deprecatePatch('aof-run-attributes');
  const pairs: SearchAttributeUpdatePair[] = [
    { key: AofKind, value: id.kind },
    { key: AofState, value: state },
  ];
  if (id.repository) pairs.push({ key: AofRepository, value: id.repository });
  if (id.number !== undefined) pairs.push({ key: AofNumber, value: id.number });
  // Runs started before AofForge existed were marked without it (and replay so).
  if (id.forge && patched('run-attributes-name-the-forge')) pairs.push({ key: AofForge, value: id.forge });
  upsertSearchAttributes(pairs);
  return (next) => upsertSearchAttributes([{ key: AofState, value: next }]);
}
