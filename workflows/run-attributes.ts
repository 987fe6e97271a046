// Every run findable in the Web UI by repository, number, kind and a current state kept up to date
// (`AofRepository = 'o/r' AND AofKind = 'flow'`). Runs started before these attributes existed (before
// 2026-11-24) must have ended before a release that deprecates their patch (docs/upgrades.md): they are
// the running ones without `AofKind`.
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { deprecatePatch, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { AofKind, AofNumber, AofRepository, AofState } from '../src/temporal/search-attributes.js';

export interface RunIdentity {
  kind: string;
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
  upsertSearchAttributes(pairs);
  return (next) => upsertSearchAttributes([{ key: AofState, value: next }]);
}
