// Records histories for the replay suite from a real run: with AOF_RECORD_HISTORIES=<dir>, the root hook
// saves, before the server stops, histories the directory does not cover yet: for each workflow type, the
// runs that take a patch's new path (or hold a `deprecatePatch` marker), an update, an activity, a flow's
// compensation or a run state (AofState) no recorded history takes (closed runs first, cancelled ones too, then open ones such
// as gates and quotas), and a few runs of a type with none recorded, as JSON files the replayer reads.
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  activitiesOf,
  deprecatedPatchIdsOf,
  flowPathsOf,
  patchIdsOf,
  signalsOf,
  statesOf,
  updatesOf,
} from '../replay/patch-markers.js';
import { WORKFLOW_TYPES } from '../replay/workflow-types.js';

const PER_TYPE = 3;
/** Runs looked at per type and status: enough to find each path the tests take. */
const SCAN = 300;

/** Names this recording's files, so new recordings sit beside the old ones (which must keep replaying). */
const tag = process.env.AOF_RECORD_TAG ?? new Date().toISOString().slice(0, 10);

export async function recordHistories(client: Client, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const existing = readdirSync(dir).filter((f) => f.endsWith('.json'));
  const covered = new Set<string>();
  // A `deprecatePatch` marker counts on its own: such a history proves the call can later be removed.
  const paths = (events: []) => [
    ...patchIdsOf(events),
    ...[...deprecatedPatchIdsOf(events)].map((id) => `deprecated:${id}`),
    ...updatesOf(events),
    ...signalsOf(events),
    ...activitiesOf(events),
    ...flowPathsOf(events),
    ...statesOf(events),
  ];
  for (const f of existing)
    for (const id of paths(JSON.parse(readFileSync(join(dir, f), 'utf8')).history.events)) covered.add(id);
  for (const type of WORKFLOW_TYPES) {
    const hasAny = existing.some((f) => f.startsWith(`${type}-`));
    let saved = 0;
    for (const status of ['Completed', 'ContinuedAsNew', 'Failed', 'Canceled', 'Running']) {
      let seen = 0;
      for await (const w of client.workflow.list({
        query: `WorkflowType = '${type}' AND ExecutionStatus = '${status}'`,
      })) {
        if (++seen > SCAN) break;
        const history = await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
        const json = JSON.parse(historyToJSON(history)) as { events: [] };
        const fresh = paths(json.events).filter((id) => !covered.has(id));
        if (!fresh.length && (hasAny || saved >= PER_TYPE)) continue;
        fresh.forEach((id) => covered.add(id));
        // Beside, never over, a file an earlier recording with the same tag wrote (one test file at a time).
        let n = ++saved;
        while (existsSync(join(dir, `${type}-${tag}-${n}.json`))) n++;
        writeFileSync(
          join(dir, `${type}-${tag}-${n}.json`),
          JSON.stringify({ workflowId: w.workflowId, history: json }),
        );
      }
    }
    process.stderr.write(`[record] ${type}: ${saved} new histories\n`);
  }
}

/** For a test on a Temporal server of its own (the root hook records the shared one's): record it too. */
export async function recordIfAsked(client: Client): Promise<void> {
  const dir = process.env.AOF_RECORD_HISTORIES;
  if (dir) await recordHistories(client, resolve(dir));
}
