// The input of a flow run on a test server: `spec` deploying to staging without a lock, on repository o/r
// outside any pull request, its forge activities on `taskQueue`.
import type { Flow } from '../../src/config/schema.js';
import type { FlowRunInput } from '../../workflows/flow-run.js';

export const flowInput = (spec: Flow['spec'], taskQueue: string): FlowRunInput => ({
  flow: 'f',
  spec,
  metadata: { pr_base_ref: 'main', repo_full_name: 'o/r' },
  data: {},
  params: { environment: 'staging', lock: false },
  scope: { owner: 'o', repo: 'r', isPullRequest: false, checkRunIds: [] },
  githubTaskQueue: taskQueue,
  agents: {},
  fleets: {},
  tokenBudget: 1,
  modelTurnTimeoutSecs: 5,
});
