// Every workflow type the worker registers: the replay suite needs recorded histories of each.
export const WORKFLOW_TYPES = [
  'routedEventWorkflow',
  'agentRunWorkflow',
  'fleetRunWorkflow',
  'flowRunWorkflow',
  'flowUndoWorkflow',
  'envLockWorkflow',
  'prGateWorkflow',
  'prReviewWorkflow',
  'mergeGroupReviewWorkflow',
  'quotaWorkflow',
  'quotaLedgerWorkflow',
  'replyWorkflow',
  'redeliveryWorkflow',
  'runBudgetWorkflow',
  'scheduledTriggerWorkflow',
] as const;
