// Records histories for the replay suite from a real run: with AOF_RECORD_HISTORIES=<dir>, the root hook
// saves, before the server stops, a few histories of every workflow type the tests ran (closed runs
// first, then open ones such as gates and quotas), as JSON files the replayer reads.
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKFLOW_TYPES } from '../replay/workflow-types.js';

const PER_TYPE = 3;

/** Names this recording's files, so new recordings sit beside the old ones (which must keep replaying). */
const tag = process.env.AOF_RECORD_TAG ?? new Date().toISOString().slice(0, 10);

export async function recordHistories(client: Client, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const type of WORKFLOW_TYPES) {
    const picked: { workflowId: string; runId: string }[] = [];
    for (const status of ['Completed', 'ContinuedAsNew', 'Failed', 'Running']) {
      for await (const w of client.workflow.list({
        query: `WorkflowType = '${type}' AND ExecutionStatus = '${status}'`,
      })) {
        if (picked.length >= PER_TYPE) break;
        picked.push({ workflowId: w.workflowId, runId: w.runId });
      }
    }
    for (const [i, p] of picked.entries()) {
      const history = await client.workflow.getHandle(p.workflowId, p.runId).fetchHistory();
      const json = { workflowId: p.workflowId, history: JSON.parse(historyToJSON(history)) as unknown };
      writeFileSync(join(dir, `${type}-${tag}-${i + 1}.json`), JSON.stringify(json));
    }
    process.stderr.write(`[record] ${type}: ${picked.length} histories\n`);
  }
}
