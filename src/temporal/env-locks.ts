// The running environment locks of one repository (workflows/env-lock.ts), found by their ids
// (`lock/<repository key>/<environment>`): what the MCP server shows a pull request, and what the
// stale-lock sweep looks at. A visibility search, so a lock started a moment ago may not be listed yet.
import type { Client } from '@temporalio/client';
import { envLockWorkflowId } from './workflow-ids.js';

/** Locks read from the search at most: a repository has a few environments, not thousands. */
const SCAN = 1000;

/** The repository's running locks, by environment name (sorted); `cut` when there were more than `scan`. */
export async function runningEnvLocks(
  client: Client,
  repoKey: string,
  scan = SCAN,
): Promise<{ locks: { workflowId: string; environment: string }[]; cut: boolean }> {
  const prefix = envLockWorkflowId(repoKey, '');
  const query = `WorkflowType = 'envLockWorkflow' AND ExecutionStatus = 'Running' AND WorkflowId STARTS_WITH ${JSON.stringify(prefix)}`;
  const locks: { workflowId: string; environment: string }[] = [];
  let cut = false;
  for await (const w of client.workflow.list({ query })) {
    const environment = w.workflowId.slice(prefix.length);
    // A deeper id belongs to a project below this one (GitLab groups).
    if (environment.includes('/')) continue;
    if (locks.length >= scan) {
      cut = true;
      break;
    }
    locks.push({ workflowId: w.workflowId, environment });
  }
  locks.sort((a, b) => (a.environment < b.environment ? -1 : a.environment > b.environment ? 1 : 0));
  return { locks, cut };
}
